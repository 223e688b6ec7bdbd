"""Intake pages: a report with several persons through the form, the importer's checks with
errors shown at the field, and a case-list upload previewed (nothing written) before it
is committed."""

from __future__ import annotations

import html
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import links, mentions, reports
from refwatch.store.schema import ImportBatch, Report
from refwatch.web.routes import intake
from tests.web.conftest import WebEnv, csrf_of
from tests.web.evidence_helpers import audit_rows, count, post_form

REPORT = {
    "source": "Form network (synthetic)",
    "source_type": "network",
    "reported_on": "2017-08-20",
    "language": "en",
    "text": "Two people were caught at Tumen; one was sent back in August.",
    "m0_name_hangul": "김영철",
    "m0_name_latin": "Kim Yong-chol",
    "m0_sex": "M",
    "m0_apprehended_on": "2017-07-15",
    "m0_apprehended_at": "图们",
    "m0_held_at": "Tumen border detention center",
    "m0_status": "detained",
    "m0_flags": "guide",
    "m1_name_latin": "Pak Chun-hwa",
    "m1_sex": "F",
    "m1_apprehended_on": "2017-07-15",
    "m1_status": "returned",
    "m1_status_on": "2017-08",
}


def upload(client: TestClient, name: str, data: bytes, **headers: str) -> Any:
    return client.post(
        "/intake/upload",
        content=data,
        headers={
            "Content-Type": "application/octet-stream",
            "X-File-Name": name,
            "X-CSRF-Token": csrf_of(client),
            **headers,
        },
    )


CSV = (
    b"source,record_id,name_latin,apprehended_on,apprehended_at,status\n"
    b"Upload list,U-1,Choe Myong-nam,2017-07,Changbai,detained\n"
    b"Upload list,U-2,Ri Song-ae,2017-07/2017-08,a hamlet upriver,detained\n"
)


def test_a_report_with_two_persons_becomes_two_linked_mentions_sharing_the_sealed_text(
    web: WebEnv, cipher: FieldCipher
) -> None:
    browser = web.sign_in("researcher")
    answer = post_form(browser, "/intake/report", REPORT)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/intake/batches/")
    with web.workspace.read() as conn:
        rows = list(
            conn.execute(
                select(reports, mentions.c.id.label("mention_id"), links.c.person_id)
                .join(mentions, mentions.c.report_id == reports.c.id)
                .join(links, links.c.mention_id == mentions.c.id)
                .order_by(reports.c.row_number)
            )
        )
        hangul = conn.execute(select(mentions.c.id, mentions.c.name_hangul_enc)).all()
    assert [r.person_id for r in rows] == ["P-000001", "P-000002"]
    assert {r.reported_on for r in rows} == {"2017-08-20"} and len({r.batch_id for r in rows}) == 1
    assert {cipher.open("reports", "text", r.id, r.text_enc) for r in rows} == {REPORT["text"]}
    names = {cipher.open("mentions", "name_hangul", m.id, m.name_hangul_enc) for m in hangul}
    assert names == {"김영철", None}
    batch_page = browser.get(answer.headers["location"]).text
    assert "P-000001" in batch_page and "P-000002" in batch_page
    person = browser.get("/persons/P-000002").text
    assert "return" in person and "2017-08" in person
    entries = audit_rows(web.workspace, "import.new")
    assert [e.actor for e in entries] == ["web:researcher", "web:researcher"]


def test_a_bad_field_is_named_next_to_it_and_nothing_is_saved(web: WebEnv) -> None:
    browser = web.sign_in("researcher")
    bad = {**REPORT, "m1_apprehended_on": "mid July", "m0_age": "about forty"}
    answer = post_form(browser, "/intake/report", bad)
    assert answer.status_code == 422
    assert 'id="err-m1_apprehended_on"' in answer.text and 'id="err-m0_age"' in answer.text
    assert 'name="m1_apprehended_on" value="mid July"' in answer.text
    assert count(web.workspace, Report) == 0


def test_a_bad_date_is_explained_once_and_the_value_shown_once(web: WebEnv) -> None:
    browser = web.sign_in("researcher")
    answer = post_form(browser, "/intake/report", {**REPORT, "m0_apprehended_on": "2017-13-45"})
    assert answer.status_code == 422
    start = answer.text.index('id="err-m0_apprehended_on"')
    error = html.unescape(answer.text[start : answer.text.index("</span>", start)])
    assert error.count("not an EDTF date") == 1, error
    assert error.count("2017-13-45") == 1, error
    assert "write e.g." in error


def test_the_saved_page_names_the_persons_and_offers_a_search_for_duplicates(
    web: WebEnv,
) -> None:
    browser = web.sign_in("researcher")
    answer = post_form(browser, "/intake/report", REPORT)
    assert answer.status_code == 303
    page = browser.get(answer.headers["location"]).text
    rows = page[page.index('id="batch-rows"') : page.index("</table>")]
    assert "김영철" in rows
    duplicates = page[page.index('id="duplicates"') :]
    # A name search is a POST (the name stays out of the address), one button per name.
    assert '<form method="post" action="/persons"' in duplicates
    assert 'name="q" value="김영철"' in duplicates
    assert "?q=" not in page and "%EA%B9%80" not in page
    assert 'href="/linkage"' in duplicates
    # The analyst, who sees no names, cannot open the page at all.
    assert web.sign_in("analyst").get(answer.headers["location"]).status_code in (403, 404)


def test_a_report_needs_a_source_and_at_least_one_person(web: WebEnv) -> None:
    browser = web.sign_in("researcher")
    no_source = post_form(browser, "/intake/report", {**REPORT, "source": ""})
    assert no_source.status_code == 422 and 'id="err-source"' in no_source.text
    nobody = post_form(browser, "/intake/report", {"source": "S", "text": "nothing"})
    assert nobody.status_code == 422 and "at least one person" in nobody.text
    assert count(web.workspace, Report) == 0


def test_sending_the_same_report_twice_records_it_once(web: WebEnv) -> None:
    browser = web.sign_in("researcher")
    assert post_form(browser, "/intake/report", REPORT).status_code == 303
    again = post_form(browser, "/intake/report", REPORT)
    assert again.status_code == 200 and "Nothing new" in again.text
    assert count(web.workspace, Report) == 2


def test_analysts_cannot_enter_reports(web: WebEnv) -> None:
    assert post_form(web.sign_in("analyst"), "/intake/report", REPORT).status_code == 403
    assert count(web.workspace, Report) == 0


def test_an_upload_preview_changes_nothing_until_it_is_committed(web: WebEnv) -> None:
    browser = web.sign_in("researcher")
    anchor = web.workspace.anchor()
    preview = upload(browser, "list.csv", CSV)
    assert preview.status_code == 200
    assert 'id="preview-summary"' in preview.text and "a hamlet upriver" in preview.text
    assert count(web.workspace, Report) == 0 and web.workspace.anchor() == anchor
    token = preview.text.split('name="token" value="')[1].split('"')[0]
    committed = post_form(browser, "/intake/upload/commit", {"token": token})
    assert committed.status_code == 303
    assert count(web.workspace, Report) == 2 and count(web.workspace, ImportBatch) == 1
    again = post_form(browser, "/intake/upload/commit", {"token": token})
    assert again.status_code == 410


def test_a_second_preview_of_the_same_list_says_every_row_is_unchanged(web: WebEnv) -> None:
    browser = web.sign_in("researcher")
    token = upload(browser, "list.csv", CSV).text.split('name="token" value="')[1].split('"')[0]
    post_form(browser, "/intake/upload/commit", {"token": token})
    second = upload(browser, "list.csv", CSV)
    assert "Nothing would change" in second.text and 'name="token"' not in second.text


def test_an_upload_with_errors_lists_each_row_and_column_and_offers_no_commit(
    web: WebEnv,
) -> None:
    data = (
        b"source,name_latin,apprehended_on,sex\n"
        b"S,Secret Name One,July 2017,F\n"
        b"S,Secret Name Two,2017-07,woman\n"
    )
    answer = upload(web.sign_in("researcher"), "bad.csv", data)
    assert answer.status_code == 422
    table = answer.text[answer.text.index('id="preview-errors"') :]
    assert '<td data-label="Row">2</td>' in table and "apprehended_on" in table
    assert '<td data-label="Row">3</td>' in table and "sex" in table
    assert "Secret Name" not in answer.text and 'name="token"' not in answer.text


def test_an_upload_token_works_only_for_the_user_who_uploaded(web: WebEnv) -> None:
    token = upload(web.sign_in("researcher"), "l.csv", CSV).text
    token = token.split('name="token" value="')[1].split('"')[0]
    other = post_form(web.sign_in("admin"), "/intake/upload/commit", {"token": token})
    assert other.status_code == 410 and count(web.workspace, Report) == 0


def test_an_upload_over_the_limit_is_refused_before_it_is_read(
    web: WebEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(intake, "MAX_UPLOAD", 100)
    answer = upload(web.sign_in("researcher"), "big.csv", CSV * 3)
    assert answer.status_code == 413
    assert count(web.workspace, Report) == 0


def test_an_upload_without_a_file_name_or_content_is_refused(web: WebEnv) -> None:
    browser = web.sign_in("researcher")
    assert upload(browser, "", CSV).status_code == 400
    assert upload(browser, "empty.csv", b"").status_code == 400
    assert upload(browser, "list.pdf", b"%PDF-1.4").status_code == 422
