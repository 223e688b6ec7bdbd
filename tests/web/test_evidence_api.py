"""The evidence API: documented by its OpenAPI schema, usable with a token, and giving
names only to roles that may see them."""

from __future__ import annotations

from pathlib import Path

from refwatch.accounts import tokens
from refwatch.domain.roles import Role
from refwatch.store.crypto import FieldCipher
from tests.web.conftest import WebEnv, csrf_of
from tests.web.evidence_helpers import audit_rows, load_rows

ENDPOINTS = {
    ("get", "/api/v1/persons"): "PersonPage",
    ("post", "/api/v1/persons/search"): "PersonPage",
    ("get", "/api/v1/persons/{person_id}"): "PersonDetailOut",
    ("get", "/api/v1/events"): "EventPage",
    ("get", "/api/v1/reports"): "ReportPage",
    ("get", "/api/v1/reports/{report_id}"): "ReportDetailOut",
}


def test_the_openapi_schema_describes_every_evidence_endpoint_and_its_answer(
    web: WebEnv,
) -> None:
    schema = web.client().get("/api/v1/openapi.json").json()
    for (method, path), model in ENDPOINTS.items():
        answer = schema["paths"][path][method]["responses"]["200"]["content"]["application/json"]
        assert answer["schema"]["$ref"].endswith(f"/{model}"), path
    sources = schema["paths"]["/api/v1/sources"]["get"]["responses"]["200"]
    assert sources["content"]["application/json"]["schema"]["items"]["$ref"].endswith("SourceOut")
    person = schema["components"]["schemas"]["PersonOut"]["properties"]
    assert {"id", "status", "status_conflict", "flags", "names"} <= set(person)
    params = {p["name"] for p in schema["paths"]["/api/v1/persons"]["get"]["parameters"]}
    assert {"status", "from", "to", "place", "flag", "offset", "limit"} <= params


def test_a_script_reads_persons_with_a_token_and_gets_no_names_as_an_analyst(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    _token_id, raw = tokens.issue_token(
        web.workspace, web.users["analyst"].id, Role.ANALYST, "script", actor="tester"
    )
    script = web.client()
    answer = script.get(
        "/api/v1/persons?status=detained", headers={"Authorization": f"Bearer {raw}"}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["total"] == 2 and [p["id"] for p in body["persons"]] == ["P-000002", "P-000003"]
    assert all(p["names"] is None for p in body["persons"])
    assert "Ri Myong-hui" not in answer.text
    assert script.get("/api/v1/persons").status_code == 401


def test_researchers_get_names_in_the_api_and_each_answer_is_audited(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    researcher = web.sign_in("researcher")
    listing = researcher.get("/api/v1/persons?limit=1").json()
    assert listing["persons"][0]["names"] == [{"hangul": "김송국", "latin": "Gim Songkook"}]
    detail = researcher.get("/api/v1/persons/P-000002").json()
    assert detail["mentions"][0]["names"] == {"hangul": None, "latin": "Ri Myong-hui"}
    assert [r.details.count('"api') for r in audit_rows(web.workspace, "names.read")] == [1, 1]


def test_the_name_search_is_a_post_for_researchers_only(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    researcher = web.sign_in("researcher")
    token = csrf_of(researcher)
    found = researcher.post(
        "/api/v1/persons/search", json={"q": "박영희"}, headers={"X-CSRF-Token": token}
    ).json()
    assert [p["id"] for p in found["persons"]] == ["P-000003"]
    assert found["persons"][0]["names"][0]["hangul"] == "박영희"
    filtered = researcher.post(
        "/api/v1/persons/search",
        json={"q": "박영희", "status": "returned"},
        headers={"X-CSRF-Token": token},
    ).json()
    assert filtered["total"] == 0

    def search(**body: str) -> list[str]:
        answer = researcher.post(
            "/api/v1/persons/search", json=body, headers={"X-CSRF-Token": token}
        )
        assert answer.status_code == 200, answer.text
        return [p["id"] for p in answer.json()["persons"]]

    tumen = "fac-cn-tumen-border-detention"  # where only P-000001 was held
    assert search(q="Gim Songkook", facility=tumen) == ["P-000001"]
    assert search(q="Ri Myong-hui", facility=tumen) == []
    assert search(q="Ri Myong-hui") == ["P-000002"]
    assert search(q="Gim Songkook", facility="fac-nowhere") == []
    analyst = web.sign_in("analyst")
    analyst_token = csrf_of(analyst)
    refused = analyst.post(
        "/api/v1/persons/search", json={"q": "박영희"}, headers={"X-CSRF-Token": analyst_token}
    )
    assert refused.status_code == 404


def test_events_are_listed_with_their_person_and_report_and_filter_by_type_and_period(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    analyst = web.sign_in("analyst")
    returns = analyst.get("/api/v1/events?type=return").json()
    assert returns["total"] == 1
    event = returns["events"][0]
    assert event["person_id"] == "P-000001" and event["esf_code"] == "380101"
    assert event["date_edtf"] == "2017-08"
    august = analyst.get("/api/v1/events?type=apprehension&from=2017-08&to=2017-08").json()
    assert [e["person_id"] for e in august["events"]] == ["P-000002"]
    one = analyst.get("/api/v1/events?person=P-000003").json()
    assert {e["event_type"] for e in one["events"]} == {"apprehension", "detention"}
    assert analyst.get("/api/v1/events?from=whenever").status_code == 400


def test_an_unknown_person_or_report_is_404_and_a_bad_filter_is_400(web: WebEnv) -> None:
    analyst = web.sign_in("analyst")
    assert analyst.get("/api/v1/persons/P-424242").status_code == 404
    assert analyst.get("/api/v1/reports/nope").status_code == 404
    assert analyst.get("/api/v1/persons?status=vanished").status_code == 422
    assert analyst.get("/api/v1/persons?from=someday").status_code == 400
    assert analyst.get("/api/v1/persons?limit=100000").status_code == 422


def test_counts_come_from_the_counting_engine_with_persons_only_for_readers(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    query = "/api/v1/counts?event=apprehension&from=2017-07&to=2017-07&by=month"
    analyst = web.sign_in("analyst").get(query).json()
    assert (analyst["at_least"], analyst["at_most"]) == (2, 3)
    assert analyst["persons"] == ["P-000001", "P-000002", "P-000003"]
    assert analyst["ledger_id"] and analyst["cells"][0]["key"] == {"month": "2017-07"}
    viewer = web.sign_in("viewer").get(query).json()
    # Below 5: a viewer sees it as the public fact sheet would (test_viewer_disclosure.py).
    assert (viewer["at_least"], viewer["at_most"]) == (None, None) and viewer["suppressed"]
    assert viewer["persons"] is None and viewer["ledger_id"] is None
    assert web.sign_in("viewer").get("/api/v1/counts?event=never").status_code == 400


def test_the_events_api_gives_the_act_code_of_the_vocabulary_even_where_the_row_has_none(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    from sqlalchemy import update

    from refwatch.store.schema import Event, table_of
    from tests.conftest import row

    rows = [row(source="S", record_id="D-1", apprehended_on="2017-07", status="disappeared")]
    load_rows(web, cipher, tmp_path, rows)
    with web.workspace.write() as conn:  # as rows stored before the code existed
        conn.execute(update(table_of(Event)).values(esf_code=None))
    analyst = web.sign_in("analyst")
    codes = {e["event_type"]: e["esf_code"] for e in analyst.get("/api/v1/events").json()["events"]}
    assert codes["disappearance"] == "030103" and codes["apprehension"] == "030101"
    person = analyst.get("/api/v1/events?person=P-000001").json()["events"]
    assert {e["esf_code"] for e in person} >= {"030103", "030101"}


def test_a_report_received_at_carries_its_offset_however_it_was_stored(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    """RFC 3339 date-time, as the schema says: SQLite hands stored moments back without
    an offset, and a client parsing them would read them as its own local time."""
    from datetime import UTC, datetime

    from sqlalchemy import update

    from refwatch.store.schema import Report, table_of
    from tests.conftest import row

    load_rows(web, cipher, tmp_path, [row(source="S", record_id="D-1", status="detained")])
    moment = datetime(2026, 12, 7, 8, 0, 51, 993658, tzinfo=UTC)
    with web.workspace.write() as conn:  # stored through SQLAlchemy, as a form's edit is
        conn.execute(update(table_of(Report)).values(received_at=moment))
    analyst = web.sign_in("analyst")
    listed = analyst.get("/api/v1/reports").json()["reports"]
    assert [r["received_at"] for r in listed] == ["2026-12-07T08:00:51.993658Z"]
    one = analyst.get(f"/api/v1/reports/{listed[0]['id']}").json()
    assert datetime.fromisoformat(one["received_at"]) == moment
