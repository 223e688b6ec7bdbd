"""Consent and case files on the person page, attacked: the wrong role, no consent, a
forged form, junk levels, ids that try to reach a file name, names leaking into headers
or the audit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refwatch.domain.consent import ConsentLevel
from refwatch.store import consents
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema_consent import ConsentEntry
from tests.conftest import row
from tests.web.conftest import WebEnv
from tests.web.evidence_helpers import audit_rows, count, load_rows, post_form

SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}
NAME = "Canary Webcase"
BASIS = "canary-basis: the person, in writing"


@pytest.fixture
def loaded(web: WebEnv, cipher: FieldCipher, tmp_path: Path) -> WebEnv:
    rows = [
        row(**SDC, record_id="1", name_latin=NAME, apprehended_on="2017-07-13", status="detained"),
        row(**SDC, record_id="2", name_latin="Canary Other", status="detained", consent="advocacy"),
    ]
    load_rows(web, cipher, tmp_path, rows)
    return web


def record(web: WebEnv, cipher: FieldCipher, level: ConsentLevel) -> None:
    consents.record_consent(
        web.workspace, cipher, person_id="P-000001", level=level, basis=BASIS, actor="t"
    )


def test_a_researcher_records_consent_and_the_audit_keeps_no_text(loaded: WebEnv) -> None:
    researcher = loaded.sign_in("researcher")
    page = researcher.get("/persons/P-000001")
    assert 'id="consent-form"' in page.text and "not recorded" in page.text
    assert 'id="casefile-needs-consent"' in page.text and 'id="casefile-form"' not in page.text
    answer = post_form(
        researcher,
        "/persons/P-000001/consent",
        {"level": "advocacy", "basis": BASIS, "exception_level": "", "exception": ""},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/persons/P-000001#consent"
    answer = researcher.get("/persons/P-000001")
    assert "named advocacy" in answer.text and 'id="casefile-form"' in answer.text
    assert BASIS in answer.text  # researchers see the basis …
    logged = " ".join(r.details for r in audit_rows(loaded.workspace, "consent.set"))
    assert "canary" not in logged and '"level":"advocacy"' in logged
    reads = [json.loads(r.details) for r in audit_rows(loaded.workspace, "names.read")]
    assert any(r["what"] == "person page consent" for r in reads)  # … and the read is logged
    analyst = loaded.sign_in("analyst").get("/persons/P-000001")
    assert "named advocacy" in analyst.text
    assert BASIS not in analyst.text and 'id="consent-form"' not in analyst.text
    assert 'id="casefile-form"' not in analyst.text


@pytest.mark.parametrize(("role", "status"), [("viewer", 404), ("analyst", 403)])
def test_a_viewer_or_analyst_can_neither_record_consent_nor_make_a_case_file(
    loaded: WebEnv, role: str, status: int
) -> None:
    client = loaded.sign_in(role)
    answer = post_form(
        client, "/persons/P-000002/consent", {"level": "publication", "basis": "forged"}
    )
    assert answer.status_code == status
    made = post_form(client, "/persons/P-000002/casefile", {"format": "docx"})
    assert made.status_code == status
    assert count(loaded.workspace, ConsentEntry) == 1  # the import's, untouched
    assert audit_rows(loaded.workspace, "casefile.make") == []


def test_a_consent_form_without_this_browsers_token_is_refused(loaded: WebEnv) -> None:
    researcher = loaded.sign_in("researcher")
    forged = researcher.post(
        "/persons/P-000001/consent",
        data={"level": "publication", "basis": "forged", "csrf_token": "x" * 43},
    )
    assert forged.status_code == 403
    bare = researcher.post("/persons/P-000001/consent", data={"level": "publication"})
    assert bare.status_code == 403
    made = researcher.post("/persons/P-000002/casefile", data={"format": "pdf"})
    assert made.status_code == 403 and "casefile" not in made.headers.get("content-disposition", "")
    assert count(loaded.workspace, ConsentEntry) == 1


@pytest.mark.parametrize(
    "form",
    [
        {"level": "=cmd|' /C calc'!A0", "basis": "b"},
        {"level": "advocacy", "basis": ""},
        {"level": "statistics", "basis": "b", "exception_level": "publication", "exception": "x"},
        {"level": "internal", "basis": "b", "exception_level": "advocacy"},
        {"level": "internal", "basis": "b", "exception_level": "junk", "exception": "x"},
    ],
)
def test_junk_consent_is_refused_with_a_message_and_nothing_is_recorded(
    loaded: WebEnv, form: dict[str, str]
) -> None:
    answer = post_form(loaded.sign_in("researcher"), "/persons/P-000001/consent", form)
    assert answer.status_code == 400 and 'id="casefile-refused"' in answer.text
    assert count(loaded.workspace, ConsentEntry) == 1


def test_the_case_file_is_refused_without_consent_and_downloaded_with_it(
    loaded: WebEnv, cipher: FieldCipher
) -> None:
    researcher = loaded.sign_in("researcher")
    refused = post_form(researcher, "/persons/P-000001/casefile", {"format": "docx"})
    assert refused.status_code == 403 and "no consent is recorded" in refused.text
    assert "content-disposition" not in refused.headers
    record(loaded, cipher, ConsentLevel.ADVOCACY)
    made = post_form(researcher, "/persons/P-000001/casefile", {"format": "docx", "kind": "wgad"})
    assert made.status_code == 200
    assert made.headers["content-disposition"] == (
        'attachment; filename="casefile-wgad-P-000001.docx"'
    )
    assert made.headers["cache-control"] == "no-store"
    assert made.content.startswith(b"PK")
    headers = " ".join(f"{k}: {v}" for k, v in made.headers.items())
    assert "Canary" not in headers
    entries = audit_rows(loaded.workspace, "casefile.make")
    assert [json.loads(e.details)["persons"] for e in entries] == [["P-000001"]]
    assert entries[0].actor == "web:researcher"
    assert all("Canary" not in e.details for e in entries)
    # Nothing of it is kept in the workspace folder.
    found = [p for p in loaded.workspace.path.rglob("*") if "casefile" in p.name]
    assert found == []


@pytest.mark.parametrize(
    "url",
    [
        "/persons/..%2F..%2Fetc%2Fpasswd/casefile",
        '/persons/P-000001"; filename="x.exe/casefile',
        "/persons/P-000099/casefile",
        "/persons/%00/casefile",
    ],
)
def test_ids_that_try_to_reach_a_file_name_are_not_found(loaded: WebEnv, url: str) -> None:
    answer = post_form(loaded.sign_in("researcher"), url, {"format": "pdf"})
    assert answer.status_code in (400, 404)
    assert "content-disposition" not in answer.headers


def test_a_bad_kind_or_format_is_refused(loaded: WebEnv) -> None:
    researcher = loaded.sign_in("researcher")
    for form in ({"format": "exe"}, {"format": "pdf", "kind": "../../x"}):
        answer = post_form(researcher, "/persons/P-000002/casefile", form)
        assert answer.status_code == 400


def test_making_and_refusing_case_files_from_the_web_logs_no_name(
    loaded: WebEnv, cipher: FieldCipher, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    researcher = loaded.sign_in("researcher")
    with caplog.at_level(logging.DEBUG):
        refused = post_form(researcher, "/persons/P-000001/casefile", {"format": "docx"})
        record(loaded, cipher, ConsentLevel.ADVOCACY)
        made = post_form(researcher, "/persons/P-000001/casefile", {"format": "docx"})
        page = researcher.get("/persons/P-000001")
    assert (refused.status_code, made.status_code, page.status_code) == (403, 200, 200)
    assert NAME in page.text  # the page shows it to a researcher …
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert NAME not in logged and "canary-basis" not in logged  # … no log line does


def test_a_group_case_file_takes_only_the_members_whose_consent_allows_it(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    rows = [
        row(**SDC, record_id="1", name_latin=NAME, group="G7", status="detained"),
        row(**SDC, record_id="2", name_latin="Canary Two", group="G7", consent="advocacy"),
        row(**SDC, record_id="3", name_latin="Canary Three", group="G7"),
        row(**SDC, record_id="4", name_latin="Canary Four", group="G7", consent="no_use"),
    ]
    load_rows(web, cipher, tmp_path, rows)
    record(web, cipher, ConsentLevel.ADVOCACY)
    researcher = web.sign_in("researcher")
    page = researcher.get("/persons/P-000001")
    assert 'id="casefile-group"' in page.text and "P-000002" in page.text
    made = post_form(researcher, "/persons/P-000001/casefile", {"format": "docx", "group": "1"})
    assert made.status_code == 200
    assert "P-000001-and-1-more.docx" in made.headers["content-disposition"]
    logged = json.loads(audit_rows(web.workspace, "casefile.make")[-1].details)
    assert logged["persons"] == ["P-000001", "P-000002"]
