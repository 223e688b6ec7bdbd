"""`/api/v1/estimates`: the same estimates as the library, bounded, ledgered, id-free."""

from __future__ import annotations

import html
import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from refwatch.accounts import tokens
from refwatch.domain.roles import Role
from refwatch.estimate import EstimateOptions, estimate_from_table, estimate_from_workspace
from refwatch.intake.importer import import_files
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import table_of
from refwatch.store.schema_ledger import LedgerEntry
from tests.conftest import write_csv
from tests.estimate.conftest import FIXTURES, published
from tests.estimate.test_workspace import _people_rows, link_by_key
from tests.web.conftest import WebEnv, csrf_of

ledger = table_of(LedgerEntry)


def _script(web: WebEnv, role: str) -> TestClient:
    _id, raw = tokens.issue_token(
        web.workspace, web.users[role].id, Role(role), "script", actor="tester"
    )
    client = web.client()
    client.headers["Authorization"] = f"Bearer {raw}"
    return client


def _kosovo_rows() -> list[dict[str, int]]:
    return published("kosovo_1999").rows()


def test_a_table_estimate_is_the_library_estimate_and_stores_nothing(web: WebEnv) -> None:
    analyst = _script(web, "analyst")
    answer = analyst.post(
        "/api/v1/estimates", json={"histories": _kosovo_rows(), "interval": "profile"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    expected = estimate_from_table(
        published("kosovo_1999"), EstimateOptions(interval="profile")
    ).as_dict()
    for key in ("n_observed", "estimate", "lower", "upper", "model"):
        assert body[key] == expected[key], key
    assert "ledger_ids" not in body
    with web.workspace.read() as conn:
        assert conn.execute(select(ledger)).first() is None
    assert (FIXTURES / "kosovo_1999.csv").exists()


def test_a_seeded_lcmcr_estimate_answers_the_same_twice(web: WebEnv) -> None:
    analyst = _script(web, "analyst")
    body = {
        "histories": _kosovo_rows(),
        "method": "lcmcr",
        "seed": 7,
        "burnin": 500,
        "samples": 200,
        "thinning": 5,
        "chains": 1,
    }
    first = analyst.post("/api/v1/estimates", json=body)
    assert first.status_code == 200, first.text
    assert first.json() == analyst.post("/api/v1/estimates", json=body).json()
    assert first.json()["method"] == "lcmcr"


def test_a_workspace_estimate_goes_in_the_ledger_and_names_no_person(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_files(web.workspace, cipher, [write_csv(tmp_path / "l.csv", _people_rows(90))])
    link_by_key(web.workspace)
    answer = _script(web, "researcher").post(
        "/api/v1/estimates",
        json={"stratify": "quarter", "interval": "profile", "purpose": "api test"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    expected = estimate_from_workspace(
        web.workspace, stratify="quarter", options=EstimateOptions(interval="profile")
    )
    assert body["estimate"] == expected.total.as_dict()["estimate"]
    assert set(body["strata"]) == set(expected.strata)
    assert "P-0" not in answer.text
    with web.workspace.read() as conn:
        rows = conn.execute(select(ledger.c.id, ledger.c.kind, ledger.c.purpose)).all()
    assert {r.id for r in rows} == set(body["ledger_ids"].values())
    assert {(r.kind, r.purpose) for r in rows} == {("estimate", "api test")}
    with web.workspace.read() as conn:
        query = json.loads(conn.execute(select(ledger.c.query)).scalars().first())
    assert query["lists"] == "source"
    # Linkage-aware by default: with no stored pairs nothing varies, and the answer says so.
    assert body["linkage"]["mode"] == "aware" and body["linkage"]["share_of_width"] == 0.0
    assert query["linkage"] == "aware"
    fixed = _script(web, "researcher").post(
        "/api/v1/estimates", json={"interval": "profile", "linkage": "fixed"}
    )
    assert fixed.status_code == 200, fixed.text
    assert "linkage" not in fixed.json()
    assert fixed.json()["estimate"] == body["estimate"]


def test_viewers_and_anonymous_scripts_are_refused(web: WebEnv) -> None:
    body = {"histories": _kosovo_rows()}
    assert _script(web, "viewer").post("/api/v1/estimates", json=body).status_code == 403
    anonymous = web.client()
    headers = {"X-CSRF-Token": csrf_of(anonymous)}
    assert anonymous.post("/api/v1/estimates", json=body, headers=headers).status_code == 401


def test_bad_tables_and_oversized_work_get_a_clear_400_or_422(web: WebEnv) -> None:
    analyst = _script(web, "analyst")
    ragged = [{"A": 1, "B": 0, "count": 3}, {"A": 1, "count": 2}]
    answer = analyst.post("/api/v1/estimates", json={"histories": ragged})
    assert answer.status_code == 400 and "row 2" in answer.json()["detail"]
    not_binary = [{"A": 2, "B": 0, "C": 1, "count": 3}]
    assert analyst.post("/api/v1/estimates", json={"histories": not_binary}).status_code == 400
    two_lists = [{"A": 1, "B": 0, "count": 30}, {"A": 0, "B": 1, "count": 20}]
    answer = analyst.post("/api/v1/estimates", json={"histories": two_lists})
    assert answer.status_code == 400 and "list" in answer.json()["detail"]
    huge = {
        "histories": _kosovo_rows(),
        "method": "lcmcr",
        "burnin": 1_000_000,
        "samples": 100_000,
        "thinning": 100,
    }
    answer = analyst.post("/api/v1/estimates", json=huge)
    assert answer.status_code == 400 and "at most" in answer.json()["detail"]
    assert analyst.post("/api/v1/estimates", json={"nboot": 10**6}).status_code == 422
    assert analyst.post("/api/v1/estimates", json={"method": "magic"}).status_code == 422


def test_the_ledger_page_says_whether_an_estimate_still_stands_on_the_same_table(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_files(web.workspace, cipher, [write_csv(tmp_path / "l.csv", _people_rows(60))])
    link_by_key(web.workspace)
    answer = _script(web, "analyst").post("/api/v1/estimates", json={"interval": "profile"})
    entry_id = answer.json()["ledger_ids"]["total"]
    analyst = web.sign_in("analyst")
    page = analyst.get(f"/ledger/{entry_id}")
    assert page.status_code == 200
    assert "same capture table" in page.text and 'id="estimate-changes"' in page.text
    extra = [r for r in _people_rows(61) if r["record_id"].startswith("P060-")]
    import_files(web.workspace, cipher, [write_csv(tmp_path / "more.csv", extra)])
    link_by_key(web.workspace)
    page = analyst.get(f"/ledger/{entry_id}")
    assert "different capture table" in page.text
    assert page.text.count("/persons/P-") >= 1  # the person added is named to analysts
    viewer_page = web.sign_in("viewer").get(f"/ledger/{entry_id}")
    assert "different capture table" in viewer_page.text
    assert "/persons/P-" not in viewer_page.text


def test_a_ledger_estimate_whose_stratum_is_gone_says_so_in_the_readers_language(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    rows = _people_rows(120)
    import_files(web.workspace, cipher, [write_csv(tmp_path / "l.csv", rows)])
    link_by_key(web.workspace)
    answer = _script(web, "analyst").post(
        "/api/v1/estimates", json={"interval": "profile", "stratify": "quarter"}
    )
    assert answer.status_code == 200, answer.text
    ids = answer.json()["ledger_ids"]
    first = min(label for label in ids if label != "total")
    # the same records again with their first-quarter dates moved to May: that quarter
    # is gone from today's data
    moved = [
        {**r, "apprehended_on": "2017-05-10"} if r["apprehended_on"] < "2017-04" else r
        for r in rows
    ]
    import_files(web.workspace, cipher, [write_csv(tmp_path / "moved.csv", moved)])
    link_by_key(web.workspace)
    analyst = web.sign_in("analyst")
    english = html.unescape(analyst.get(f"/ledger/{ids[first]}").text)
    assert f"today's data has no stratum '{first}'" in english
    korean = html.unescape(analyst.get(f"/ledger/{ids[first]}?lang=ko").text)
    assert f"오늘의 데이터에는 '{first}' 층이 없습니다" in korean
    assert "today's data" not in korean


def test_a_list_can_be_left_out_and_a_bad_list_name_is_a_clear_400(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_files(web.workspace, cipher, [write_csv(tmp_path / "l.csv", _people_rows(90))])
    link_by_key(web.workspace)
    script = _script(web, "researcher")
    unknown = script.post("/api/v1/estimates", json={"leave_out": ["<b>No such list</b>"]})
    detail = unknown.json()["detail"]
    assert unknown.status_code == 400 and "Seoul list" in detail
    assert detail.startswith("leave_out") and "--leave-out" not in detail
    table = script.post(
        "/api/v1/estimates", json={"histories": _kosovo_rows(), "leave_out": ["Seoul list"]}
    )
    assert table.status_code == 400 and "leave_out" in table.json()["detail"]
    too_many = script.post("/api/v1/estimates", json={"leave_out": ["x"] * 51})
    assert too_many.status_code == 422
    answer = script.post(
        "/api/v1/estimates", json={"interval": "profile", "leave_out": ["Activist reports"]}
    )
    assert answer.status_code == 200, answer.text
    expected = estimate_from_workspace(
        web.workspace, options=EstimateOptions(interval="profile"), leave_out=["Activist reports"]
    )
    assert answer.json()["estimate"] == expected.total.as_dict()["estimate"]
    whole = estimate_from_workspace(web.workspace, options=EstimateOptions(interval="profile"))
    assert answer.json()["estimate"] != whole.total.as_dict()["estimate"]
    with web.workspace.read() as conn:
        queries = [json.loads(q) for q in conn.execute(select(ledger.c.query)).scalars()]
    assert any(q.get("leave_out") == ["Activist reports"] for q in queries)
