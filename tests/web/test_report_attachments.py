"""The report page's attachments: listed and downloaded by researchers and admins only,
served inert (a download, never sniffed, never HTML or SVG as given), each read audited.
Attacks first; the web fixtures run on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import AuditEntry, table_of
from refwatch.store.schema_attachments import Attachment
from refwatch.store.workspace import Workspace
from tests.conftest import WorkspaceFactory
from tests.intake.attachment_helpers import HTML, PNG, SVG, Stored, import_attachments
from tests.web.conftest import WebEnv, csrf_of


def _reads(workspace: Workspace) -> int:
    entries = table_of(AuditEntry)
    with workspace.read() as conn:
        return int(
            conn.execute(
                select(func.count()).where(entries.c.action == "attachment.read")
            ).scalar_one()
        )


def _url(item: Stored) -> str:
    return f"/reports/{item.report_id}/attachments/{item.id}"


@pytest.fixture
def stored(web: WebEnv, cipher: FieldCipher, tmp_path: Path) -> dict[str, Stored]:
    return import_attachments(web.workspace, cipher, tmp_path / "export")


# -- attacks first -------------------------------------------------------------------------


def test_viewers_analysts_and_anonymous_get_neither_the_list_nor_a_file(
    web: WebEnv, stored: dict[str, Stored]
) -> None:
    letter = stored["Kim-Myong-letter.png"]
    assert web.client().get(_url(letter)).status_code == 303  # to the sign-in page
    for role in ("viewer", "analyst"):
        client = web.sign_in(role)
        answer = client.get(_url(letter))
        assert answer.status_code == 404 and b"canary-photo-bytes" not in answer.content
        page = client.get(f"/reports/{letter.report_id}")
        assert letter.id not in page.text and "Kim-Myong" not in page.text
    assert _reads(web.workspace) == 0


@pytest.mark.parametrize(
    "trick",
    [
        "..%2F..%2Fetc%2Fpasswd",
        "%2e%2e",
        "0" * 32,
        "A" * 32,
        "%25",
        "x" * 3000,
        "' OR '1'='1",
    ],
)
def test_a_path_trick_or_unknown_id_is_404_and_reads_nothing(
    web: WebEnv, stored: dict[str, Stored], trick: str
) -> None:
    letter = stored["Kim-Myong-letter.png"]
    client = web.sign_in("researcher")
    answer = client.get(f"/reports/{letter.report_id}/attachments/{trick}")
    assert answer.status_code == 404 and b"canary" not in answer.content
    assert _reads(web.workspace) == 0


def test_an_attachment_under_another_report_or_from_another_workspace_is_404(
    web: WebEnv, stored: dict[str, Stored], make_workspace: WorkspaceFactory, tmp_path: Path
) -> None:
    letter, drawing = stored["Kim-Myong-letter.png"], stored["drawing.svg"]
    client = web.sign_in("admin")
    assert client.get(f"/reports/{drawing.report_id}/attachments/{letter.id}").status_code == 404
    other = make_workspace("other")
    elsewhere = import_attachments(other, FieldCipher(other.unlock(web.secret)), tmp_path / "o")
    theirs = elsewhere["Kim-Myong-letter.png"]
    assert client.get(_url(theirs)).status_code == 404
    assert client.get(f"/reports/{letter.report_id}/attachments/{theirs.id}").status_code == 404
    assert _reads(web.workspace) == 0


def test_a_get_changes_nothing_but_the_audit_trail_and_other_methods_are_refused(
    web: WebEnv, stored: dict[str, Stored]
) -> None:
    letter = stored["Kim-Myong-letter.png"]
    client = web.sign_in("researcher")
    with web.workspace.read() as conn:
        before = conn.execute(select(table_of(Attachment))).all()
    assert client.get(_url(letter)).status_code == 200
    for method in ("post", "put", "delete", "patch"):
        answer = client.request(method.upper(), _url(letter), data={"csrf_token": csrf_of(client)})
        assert answer.status_code in (403, 405), method
    with web.workspace.read() as conn:
        assert conn.execute(select(table_of(Attachment))).all() == before
    assert _reads(web.workspace) == 1


@pytest.mark.parametrize(("name", "content"), [("drawing.svg", SVG), ("page.html", HTML)])
def test_an_svg_or_html_attachment_is_served_inert(
    web: WebEnv, stored: dict[str, Stored], name: str, content: bytes
) -> None:
    item = stored[name]
    assert item.media_type in ("image/svg+xml", "text/html")
    answer = web.sign_in("researcher").get(_url(item))
    assert answer.status_code == 200 and answer.content == content
    assert answer.headers["content-type"] == "application/octet-stream"
    assert answer.headers["x-content-type-options"] == "nosniff"
    disposition = answer.headers["content-disposition"]
    assert disposition == f'attachment; filename="attachment-{item.id}.bin"'
    assert "default-src 'self'" in answer.headers["content-security-policy"]


# -- what works ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["researcher", "admin"])
def test_the_report_page_lists_attachments_and_the_link_downloads_the_bytes(
    web: WebEnv, stored: dict[str, Stored], role: str
) -> None:
    letter = stored["Kim-Myong-letter.png"]
    client = web.sign_in(role)
    page = client.get(f"/reports/{letter.report_id}")
    assert page.status_code == 200
    assert f'href="{_url(letter)}"' in page.text and "Kim-Myong-letter.png" in page.text
    assert "image/png" in page.text and f"{len(PNG)} bytes" in page.text
    answer = client.get(_url(letter))
    assert answer.status_code == 200 and answer.content == PNG
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert "Kim-Myong" not in answer.headers["content-disposition"]
    entries = table_of(AuditEntry)
    with web.workspace.read() as conn:
        (entry,) = conn.execute(select(entries).where(entries.c.action == "attachment.read")).all()
    assert entry.record_id == letter.id and entry.actor.endswith(role)
    assert json.loads(entry.details)["report"] == letter.report_id


def test_the_korean_report_page_names_the_section_in_korean(
    web: WebEnv, stored: dict[str, Stored]
) -> None:
    letter = stored["Kim-Myong-letter.png"]
    client = web.sign_in("researcher")
    page = client.get(f"/reports/{letter.report_id}", headers={"Accept-Language": "ko"})
    assert "첨부 파일" in page.text and f"{len(PNG)}바이트" in page.text
