"""Fact sheets from the browser (issue 5): made by `build_factsheet`, shown in the page with
footnotes linked to the ledger, downloaded as HTML and PDF; the public edition's served
bytes carry no name and no person id; bad input is a message, never a half-made sheet.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from refwatch.counting.ledger import read_entry
from refwatch.domain.errors import InputError
from refwatch.domain.roles import Role
from refwatch.publish.artifacts import SheetInfo, sheets_root
from refwatch.store.crypto import FieldCipher
from refwatch.web.deps import User
from refwatch.web.routes.factsheets import may_open
from tests.conftest import row
from tests.web.conftest import WebEnv, csrf_of
from tests.web.evidence_helpers import PERSON_ID, audit_rows, load_rows, post_form

SHEET_URL = re.compile(r"^/factsheets/([0-9a-f]{24})$")
PERIOD = {"from": "2017-07-01", "to": "2017-09-30", "threshold": "5"}


def names_in(rows: list[dict[str, str]]) -> list[str]:
    return [r[column] for r in rows for column in ("name_hangul", "name_latin") if r.get(column)]


@pytest.fixture
def rows(sample_rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The sample list and enough persons in Tumen in July 2017 to pass disclosure control."""
    extra = [
        row(
            source="Seoul Documentation Center",
            source_type="ngo_list",
            reported_on="2017-08-20",
            record_id=f"SEO-2{i}",
            name_latin=f"Pak Example-{i}",
            sex="F" if i % 2 else "M",
            age=str(20 + i),
            apprehended_on="2017-07-14",
            apprehended_at="Tumen",
            held_at="Tumen border detention center",
            status="detained",
        )
        for i in range(7)
    ]
    return sample_rows + extra


@pytest.fixture
def loaded(web: WebEnv, cipher: FieldCipher, tmp_path: Path, rows: list[dict[str, str]]) -> WebEnv:
    load_rows(web, cipher, tmp_path, rows)
    return web


def make(client: TestClient, edition: str, **fields: str) -> str:
    answer = post_form(client, "/factsheets", {**PERIOD, "edition": edition, **fields})
    assert answer.status_code == 303, answer.text[:2000]
    found = SHEET_URL.match(answer.headers["location"])
    assert found, answer.headers["location"]
    return found.group(1)


def download(client: TestClient, sheet_id: str, kind: str) -> Any:
    answer = client.get(f"/factsheets/{sheet_id}.{kind}")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"].startswith("attachment; filename=")
    assert answer.headers["content-disposition"].endswith(f'.{kind}"')
    assert answer.headers["cache-control"] == "no-store"
    return answer


def test_an_analyst_makes_a_public_fact_sheet_seen_in_the_page_and_downloaded(
    loaded: WebEnv, rows: list[dict[str, str]]
) -> None:
    analyst = loaded.sign_in("analyst")
    sheet_id = make(analyst, "public")

    page = analyst.get(f"/factsheets/{sheet_id}")
    assert page.status_code == 200
    assert 'id="factsheet-preview"' in page.text and "Headline numbers" in page.text
    footnotes = re.findall(r'Number ledger entry <a href="/ledger/(L-\d{6})">', page.text)
    assert footnotes, "every footnote links to its ledger entry"
    for entry_id in footnotes:
        assert read_entry(loaded.workspace, entry_id)["actor"] == "web:analyst"
        assert analyst.get(f"/ledger/{entry_id}").status_code == 200

    info = SheetInfo.from_json(
        json.loads((sheets_root(loaded.workspace) / sheet_id / "sheet.json").read_text("utf-8"))
    )
    assert info.public and sorted(info.ledger_ids) == sorted(footnotes)
    assert (sheets_root(loaded.workspace) / sheet_id).stat().st_mode & 0o077 == 0
    for headline in info.headlines:
        assert headline in page.text

    pdf = download(analyst, sheet_id, "pdf")
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    served = download(analyst, sheet_id, "html")
    assert served.headers["content-type"].startswith("text/html")
    assert b"Public edition" in served.content
    # The public edition carries no person id and no name, in the file or in the page.
    for body in (served.content.decode("utf-8"), page.text):
        assert PERSON_ID.findall(body) == []
        assert [n for n in names_in(rows) if n in body] == []
        assert "Urgent-action list" not in body

    made = audit_rows(loaded.workspace, "factsheet.make")
    assert [(e.actor, e.record_id) for e in made] == [("web:analyst", sheet_id)]
    listing = analyst.get("/factsheets").text
    assert f'href="/factsheets/{sheet_id}.pdf"' in listing


def test_the_internal_edition_lists_persons_still_held_by_id_but_no_name(
    loaded: WebEnv, rows: list[dict[str, str]]
) -> None:
    researcher = loaded.sign_in("researcher")
    sheet_id = make(researcher, "internal", as_of="2017-09-30")
    served = download(researcher, sheet_id, "html").content.decode("utf-8")
    assert "Urgent-action list" in served
    assert PERSON_ID.findall(served), "the urgent list names persons by pseudonymous id"
    assert [n for n in names_in(rows) if n in served] == []
    assert download(researcher, sheet_id, "pdf").content.startswith(b"%PDF")
    page = loaded.sign_in("analyst").get(f"/factsheets/{sheet_id}")
    assert page.status_code == 200 and "Do not publish it." in page.text


def test_a_deleted_sheet_loses_its_files_is_audited_and_keeps_its_ledger_entries(
    loaded: WebEnv,
) -> None:
    researcher = loaded.sign_in("researcher")
    sheet_id = make(researcher, "internal", as_of="2017-09-30")
    folder = sheets_root(loaded.workspace) / sheet_id
    info = SheetInfo.from_json(json.loads((folder / "sheet.json").read_text("utf-8")))
    assert info.ledger_ids
    assert 'id="factsheet-delete"' in researcher.get(f"/factsheets/{sheet_id}").text

    gone = post_form(researcher, f"/factsheets/{sheet_id}/delete", {})
    assert gone.status_code == 303 and gone.headers["location"] == "/factsheets?deleted=1"
    assert not folder.exists()
    for suffix in ("", ".pdf", ".html"):
        assert researcher.get(f"/factsheets/{sheet_id}{suffix}").status_code == 404
    listing = researcher.get(gone.headers["location"]).text
    assert 'id="factsheet-deleted"' in listing and sheet_id not in listing
    deleted = audit_rows(loaded.workspace, "factsheet.delete")
    assert [(e.actor, e.record_id) for e in deleted] == [("web:researcher", sheet_id)]
    for entry_id in info.ledger_ids:  # the numbers it published stay accountable
        assert read_entry(loaded.workspace, entry_id)["actor"] == "web:researcher"
    assert post_form(researcher, f"/factsheets/{sheet_id}/delete", {}).status_code == 404
    korean = researcher.get("/factsheets?deleted=1&lang=ko").text
    assert "현황 자료를 삭제했습니다" in korean


def test_a_deletion_cut_short_by_a_crash_is_finished_and_audited_by_the_next(
    loaded: WebEnv,
) -> None:
    researcher = loaded.sign_in("researcher")
    first, second = make(researcher, "internal"), make(researcher, "public")
    root = sheets_root(loaded.workspace)
    # what a crash right after the rename leaves: the files, out of sight, not audited
    (root / first).rename(root / f".deleting-{first}")
    listing = researcher.get("/factsheets").text
    assert first not in listing and second in listing
    assert researcher.get(f"/factsheets/{first}").status_code == 404
    assert post_form(researcher, f"/factsheets/{second}/delete", {}).status_code == 303
    assert sorted(p.name for p in root.iterdir()) == []
    deleted = audit_rows(loaded.workspace, "factsheet.delete")
    assert sorted((e.actor, e.record_id) for e in deleted) == sorted(
        [("web:researcher", second), ("system", first)]
    )


BAD = [
    ({"from": "2017-13"}, "From: not an EDTF date"),
    ({"to": ""}, "needs a period"),
    ({"from": "2017-09-30", "to": "2017-07-01"}, "is before"),
    ({"as_of": "soon"}, "As of: not an EDTF date"),
    ({"edition": "secret"}, "public or the internal edition"),
    ({"threshold": "0"}, "between 1 and 100"),
    ({"threshold": "five"}, "whole number"),
]


@pytest.mark.parametrize("fields, message", BAD, ids=[m for _, m in BAD])
def test_bad_input_is_a_message_and_makes_nothing(
    loaded: WebEnv, fields: dict[str, str], message: str
) -> None:
    analyst = loaded.sign_in("analyst")
    answer = post_form(analyst, "/factsheets", {**PERIOD, "edition": "public", **fields})
    assert answer.status_code == 422
    assert message in answer.text and 'id="factsheet-form"' in answer.text
    root = sheets_root(loaded.workspace)
    assert not root.exists() or list(root.iterdir()) == []
    with pytest.raises(InputError):
        read_entry(loaded.workspace, "L-000001")


def test_viewers_may_not_make_or_open_fact_sheets(loaded: WebEnv) -> None:
    sheet_id = make(loaded.sign_in("analyst"), "public")
    viewer = loaded.sign_in("viewer")
    assert viewer.get("/factsheets").status_code == 403
    assert post_form(viewer, "/factsheets", {**PERIOD, "edition": "public"}).status_code == 403
    for suffix in ("", ".pdf", ".html"):
        assert viewer.get(f"/factsheets/{sheet_id}{suffix}").status_code == 403
    analyst = loaded.sign_in("analyst")
    assert analyst.post("/factsheets", data={**PERIOD, "edition": "public"}).status_code == 403


def test_unknown_or_malformed_sheet_ids_are_not_found(loaded: WebEnv) -> None:
    analyst = loaded.sign_in("analyst")
    for sheet_id in ("0" * 24, "%2E%2E", "%2E%2E%2Fsheet", "ABCDEF0123456789abcdef01"):
        for suffix in ("", ".pdf", ".html"):
            assert analyst.get(f"/factsheets/{sheet_id}{suffix}").status_code == 404


def test_an_internal_edition_is_only_for_roles_that_read_persons() -> None:
    sheet = SheetInfo("0" * 24, False, "2017-07", "2017-09", None, 5, "now", "web:a", [], [])
    public = SheetInfo("1" * 24, True, "2017-07", "2017-09", None, 5, "now", "web:a", [], [])
    viewer = User("u1", "v", Role.VIEWER, "session")
    analyst = User("u2", "a", Role.ANALYST, "session")
    assert not may_open(viewer, sheet) and may_open(viewer, public)
    assert may_open(analyst, sheet)


KOREAN = {"Accept-Language": "ko-KR,ko;q=0.9"}
BAD_KO = [
    ({"from": "2017-09-30", "to": "2017-07-01"}, "시작 날짜 2017-09-30보다 앞섭니다", "is before"),
    ({"to": "2017-13"}, "EDTF 날짜가 아닙니다: '2017-13'", "not an EDTF date"),
    ({"threshold": "0"}, "1에서 100 사이", "between 1 and 100"),
]


@pytest.mark.parametrize("fields, korean, english", BAD_KO, ids=[e for _, _, e in BAD_KO])
def test_a_korean_refusal_is_korean_and_the_english_one_unchanged(
    loaded: WebEnv, fields: dict[str, str], korean: str, english: str
) -> None:
    analyst = loaded.sign_in("analyst")
    form = {**PERIOD, "edition": "public", **fields}
    answer = analyst.post(
        "/factsheets", data={**form, "csrf_token": csrf_of(analyst)}, headers=KOREAN
    )
    assert answer.status_code == 422
    error = re.search(r'id="factsheet-error">([^<]*)<', html.unescape(answer.text))
    assert error is not None and korean in error.group(1), answer.text[:3000]
    assert english not in answer.text
    assert english in post_form(analyst, "/factsheets", form).text
