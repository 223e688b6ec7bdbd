"""The exchange pages: an admin makes an encoding (audited, downloadable, the secret
never kept), analysts link uploaded encodings; every hostile upload is refused with the
file and line, and roles that may not encode are refused (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from refwatch.share import fileformat
from refwatch.share.encoding import PersonTokens, name_tokens, year_tokens
from refwatch.share.workspace import encode_people
from refwatch.store.crypto import FieldCipher
from refwatch.web.routes.share import shares_root
from tests.web.conftest import WebEnv, csrf_of
from tests.web.evidence_helpers import audit_rows, load_rows, post_form

SHARED = "the web test's shared secret, long"
ENCODING_URL = re.compile(r"^/share/encodings/([0-9a-f]{24})$")


def _files(tmp_path: Path, secrets: tuple[str, str] = (SHARED, SHARED)) -> list[Path]:
    """Two organisations' files: 30 persons each, 20 of them shared."""
    paths = []
    for org, secret in enumerate(secrets):
        people = []
        for i in range(org * 10, org * 10 + 30):
            t = PersonTokens()
            t.add("name", name_tokens(f"person{i:03d}kim", None))
            t.add("birth", year_tokens(1950 + i, 1950 + i))
            t.add("sex", ["F" if i % 2 else "M"])
            people.append(t)
        made = encode_people([f"P{i}" for i in range(30)], people, {}, secret=secret.encode(),
                             organisation=f"Org {org}")  # fmt: skip
        path = tmp_path / f"org{org}.jsonl"
        fileformat.write(made, path)
        paths.append(path)
    return paths


def _upload(client: TestClient, files: list[tuple[str, bytes]], csrf: bool = True) -> Any:
    headers = {"x-csrf-token": csrf_of(client)} if csrf else {}
    return client.post(
        "/share/link",
        files=[("files", (name, data, "application/x-ndjson")) for name, data in files],
        headers=headers,
    )


def test_an_admin_encodes_downloads_and_every_step_is_audited(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    admin = web.sign_in("admin")
    page = admin.get("/share")
    assert page.status_code == 200 and 'id="encode-form"' in page.text
    answer = post_form(admin, "/share/encode", {"organisation": "Org A", "shared_secret": SHARED})
    assert answer.status_code == 303, answer.text[:2000]
    found = ENCODING_URL.match(answer.headers["location"])
    assert found
    encoding_id = found.group(1)
    folder = shares_root(web.workspace) / encoding_id
    assert folder.stat().st_mode & 0o077 == 0
    shown = admin.get(f"/share/encodings/{encoding_id}")
    assert shown.status_code == 200 and 'id="key-check"' in shown.text
    download = admin.get(f"/share/encodings/{encoding_id}.jsonl")
    assert download.status_code == 200
    assert download.headers["cache-control"] == "no-store"
    assert download.headers["content-disposition"].startswith("attachment; filename=")
    header = json.loads(download.text.splitlines()[0])
    assert header["organisation"] == "Org A" and header["records"] >= 1
    for row in sample_rows:
        for name in (row["name_hangul"], row["name_latin"]):
            assert not name or name not in download.text
    assert SHARED not in download.text and SHARED not in shown.text
    for action in ("share.encode", "share.encoded", "share.download"):
        entries = audit_rows(web.workspace, action)
        assert entries and all(SHARED not in str(e.details) for e in entries), action
    assert SHARED not in (folder / "encoding.json").read_text("utf-8")


def test_only_admins_encode_and_a_short_secret_is_not_echoed(web: WebEnv) -> None:
    for role in ("analyst", "researcher"):
        client = web.sign_in(role)
        answer = post_form(client, "/share/encode", {"organisation": "X", "shared_secret": SHARED})
        assert answer.status_code == 403, role
        assert client.get("/share").status_code == 200
        assert 'id="encode-form"' not in client.get("/share").text
    viewer = web.sign_in("viewer")
    assert viewer.get("/share").status_code == 403
    admin = web.sign_in("admin")
    refused = post_form(admin, "/share/encode", {"organisation": "X", "shared_secret": "pw-1234"})
    assert refused.status_code == 422 and "pw-1234" not in refused.text
    assert "16" in refused.text
    assert not audit_rows(web.workspace, "share.encoded")


def test_an_analyst_links_uploads_and_sees_histories_and_an_estimate(
    web: WebEnv, tmp_path: Path
) -> None:
    analyst = web.sign_in("analyst")
    paths = _files(tmp_path)
    answer = _upload(analyst, [(p.name, p.read_bytes()) for p in paths])
    assert answer.status_code == 200, answer.text[:2000]
    assert 'id="histories"' in answer.text and "Org 0" in answer.text
    assert 'id="score-histogram"' in answer.text
    csv_text = re.search(r'<pre id="histories-csv">(.*?)</pre>', answer.text, re.S)
    assert csv_text and "Org 0,Org 1,count" in csv_text.group(1)


def test_hostile_uploads_are_refused_with_the_file_and_line(web: WebEnv, tmp_path: Path) -> None:
    analyst = web.sign_in("analyst")
    good, other = _files(tmp_path)
    data = good.read_bytes()
    broken = data[: len(data) // 2]
    answer = _upload(analyst, [("broken.jsonl", broken), (other.name, other.read_bytes())])
    assert answer.status_code == 422 and "broken.jsonl" in answer.text and "line" in answer.text
    garbled = b"\x00\xff" * 100
    answer = _upload(analyst, [("g.jsonl", garbled), (other.name, other.read_bytes())])
    assert answer.status_code == 422 and "g.jsonl" in answer.text
    answer = _upload(analyst, [(good.name, data)])
    assert answer.status_code == 422
    (tmp_path / "x").mkdir()
    mixed = _files(tmp_path / "x", (SHARED, "another secret that is long enough"))
    answer = _upload(analyst, [(p.name, p.read_bytes()) for p in mixed])
    assert answer.status_code == 422 and "secret" in answer.text
    too_big = _upload(analyst, [("big.jsonl", b"x" * (5 * 1024 * 1024)), (good.name, data)])
    assert too_big.status_code == 413
    assert _upload(
        analyst, [(p.name, p.read_bytes()) for p in (good, other)], csrf=False
    ).status_code in (400, 403)
    viewer = web.sign_in("viewer")
    assert _upload(viewer, [(good.name, data), (other.name, other.read_bytes())]).status_code == 403


def test_an_encoding_id_that_is_not_an_id_never_reaches_the_file_system(web: WebEnv) -> None:
    """A folder planted beside the encodings, a path trick or a made-up id: 404, never
    the planted record, whichever way the id is spelled (a bare ".." is resolved by the
    client to /share itself, so only its encoded spellings reach the route)."""
    root = shares_root(web.workspace)
    planted = root / "ABCDEF0123456789abcdef01"
    planted.mkdir(parents=True)
    (planted / "encoding.json").write_text(
        json.dumps({"id": "planted", "created_at": "2026-01-01 00:00:00 UTC"}), "utf-8"
    )
    (root.parent / "encoding.json").write_text(json.dumps({"id": "outside"}), "utf-8")
    admin = web.sign_in("admin")
    for wrong in (
        "ABCDEF0123456789abcdef01",
        "%2e%2e",
        "..%2fshares",
        "0" * 23,
        "0" * 25,
        "0" * 24,
    ):
        for suffix in ("", ".jsonl"):
            answer = admin.get(f"/share/encodings/{wrong}{suffix}")
            assert answer.status_code == 404, (wrong, suffix)
            assert "planted" not in answer.text and "outside" not in answer.text
    assert "planted" not in admin.get("/share").text
