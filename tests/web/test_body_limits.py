"""Issue 17, item 5: an anonymous sender cannot make the server buffer large bodies.

The attack: four 50 MiB multipart parts posted to /sign-in (the CSRF check parsed any
POST's multipart body before authentication, each part kept in memory up to 64 MiB, with
no overall limit) moved the server from 613 to 796 MiB. These tests drive the app at the
ASGI level with a body fed chunk by chunk and count how much of it the app pulled: a
body over the limit is refused before it is read, or as soon as the count passes it, and
an upload's body is never read before its sender is authenticated."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import pytest

from refwatch.web.routes.intake import MAX_UPLOAD
from refwatch.web.security import MAX_BODY
from tests.web.conftest import WebEnv

CHUNK = 64 * 1024
BOUNDARY = "attackboundary"


def _multipart(parts: int, part_bytes: int) -> Iterator[bytes]:
    """A multipart body of `parts` file parts of `part_bytes` each, made lazily."""
    for i in range(parts):
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f{i}"; '
            f'filename="f{i}.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        left = part_bytes
        while left > 0:
            size = min(CHUNK, left)
            yield b"x" * size
            left -= size
        yield b"\r\n"
    yield f"--{BOUNDARY}--\r\n".encode()


def _send(
    web: WebEnv,
    path: str,
    chunks: Iterator[bytes],
    *,
    length: int | None,
    content_type: str = f"multipart/form-data; boundary={BOUNDARY}",
    extra: list[tuple[bytes, bytes]] | None = None,
) -> tuple[int, int]:
    """POST `chunks` to the app; return (status, bytes of the body the app pulled)."""
    headers = [(b"host", b"testserver.local"), (b"content-type", content_type.encode())]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    headers += extra or []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver.local", 443),
        "state": {},
    }
    pulled = 0
    status = 0
    pending = iter(chunks)
    finished = False

    async def receive() -> dict[str, object]:
        nonlocal pulled, finished
        if finished:
            await anyio.sleep(3600)  # as a client that keeps the connection open
        piece = next(pending, None)
        if piece is None:
            finished = True
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(piece)
        return {"type": "http.request", "body": piece, "more_body": True}

    async def send(message: dict[str, object]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])  # type: ignore[call-overload]

    async def run() -> None:
        with anyio.fail_after(60):
            await web.app(scope, receive, send)

    anyio.run(run)
    return status, pulled


def test_four_huge_parts_to_sign_in_are_refused_unread_when_their_length_is_declared(
    web: WebEnv,
) -> None:
    status, pulled = _send(web, "/sign-in", _multipart(4, 50 * 1024 * 1024), length=200 << 20)
    assert status == 413 and pulled == 0


def test_four_huge_chunked_parts_to_sign_in_are_cut_off_at_the_limit(web: WebEnv) -> None:
    status, pulled = _send(web, "/sign-in", _multipart(4, 50 * 1024 * 1024), length=None)
    assert status == 413
    assert pulled <= MAX_BODY + CHUNK


def test_a_file_part_in_a_small_form_is_refused_before_the_password_check(web: WebEnv) -> None:
    status, _ = _send(web, "/sign-in", _multipart(1, 1000), length=None)
    assert status in (400, 403)


def test_an_anonymous_upload_is_refused_before_its_body_is_read(web: WebEnv) -> None:
    """The case-list upload takes up to MAX_UPLOAD, but only from a signed-in writer: an
    anonymous sender (multipart or raw, token in the body or a made-up one in the
    header) gets an answer while the body is still unread."""
    size = MAX_UPLOAD - 1024
    for content_type, extra in (
        (f"multipart/form-data; boundary={BOUNDARY}", []),
        ("text/csv", [(b"x-csrf-token", b"made-up"), (b"x-file-name", b"list.csv")]),
    ):
        status, pulled = _send(
            web,
            "/intake/upload",
            _multipart(1, size),
            length=size + 200,
            content_type=content_type,
            extra=extra,
        )
        assert status in (401, 403) and pulled == 0, (content_type, status, pulled)


@pytest.mark.parametrize("path", ["/sign-in", "/account/password", "/api/v1/estimates"])
def test_no_route_takes_a_body_over_the_limit(web: WebEnv, path: str) -> None:
    status, pulled = _send(
        web,
        path,
        iter([b"{" + b" " * CHUNK] * ((MAX_BODY // CHUNK) + 4)),
        length=None,
        content_type="application/json",
    )
    assert status in (401, 403, 413)
    assert pulled <= MAX_BODY + 2 * CHUNK
