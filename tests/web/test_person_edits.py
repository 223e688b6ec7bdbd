"""Editing a person through the API (a pinned status) with optimistic locking: the version
read must be sent back, a stale one changes nothing and answers 409, every change is in
the history and the audit trail, and the reason stays sealed from roles without names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from refwatch.accounts import tokens
from refwatch.domain.roles import Role
from refwatch.store import person_pins
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import table_of
from refwatch.store.schema_person_edits import PersonEdit
from refwatch.web.app import create_app
from tests.web.conftest import BASE_URL, WebEnv
from tests.web.evidence_helpers import audit_rows, load_rows

REASON = "family confirmed the return by phone: canary-pin-reason-K4"


def token_for(web: WebEnv, role: str) -> dict[str, str]:
    _, raw = tokens.issue_token(web.workspace, web.users[role].id, Role(role), "t", actor="t")
    return {"Authorization": f"Bearer {raw}"}


def pin(
    client: TestClient,
    headers: dict[str, str],
    version: int,
    person: str = "P-000002",
    **change: Any,
) -> Any:
    body = {"version": version, "status": "returned", "as_of": "2017-09", "reason": REASON}
    body.update(change)
    return client.patch(f"/api/v1/persons/{person}", json=body, headers=headers)


def loaded(web: WebEnv, cipher: FieldCipher, tmp_path: Path, rows: list[dict[str, str]]) -> None:
    load_rows(web, cipher, tmp_path, rows)


def test_a_researcher_pins_a_status_and_the_person_version_moves_on(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    loaded(web, cipher, tmp_path, sample_rows)
    script, researcher = web.client(), token_for(web, "researcher")
    before = script.get("/api/v1/persons/P-000002/pin", headers=researcher).json()
    assert before == {"person_id": "P-000002", "version": 1, "pin": None, "history": []}

    answer = pin(script, researcher, 1)
    assert answer.status_code == 200, answer.text
    assert answer.json()["version"] == 2
    assert answer.json()["change"]["status"] == "returned"

    after = script.get("/api/v1/persons/P-000002/pin", headers=researcher).json()
    assert after["version"] == 2
    assert after["pin"]["status"] == "returned" and after["pin"]["as_of"] == "2017-09"
    assert after["pin"]["as_of_earliest"] == "2017-09-01"
    assert after["pin"]["as_of_latest"] == "2017-09-30"
    assert after["pin"]["reason"] == REASON and after["pin"]["edited_by"] == "researcher"
    (entry,) = audit_rows(web.workspace, "person.pin")
    assert entry.record_id == "P-000002" and entry.actor == "web:researcher"
    assert json.loads(entry.details) == {"as_of": "2017-09", "status": "returned", "version": 2}
    assert web.workspace.verify_audit().ok


def test_a_stale_version_changes_nothing_and_the_loser_is_told_the_current_one(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    loaded(web, cipher, tmp_path, sample_rows)
    first, second = web.client(), web.client()
    researcher, admin = token_for(web, "researcher"), token_for(web, "admin")
    seen_by_first = first.get("/api/v1/persons/P-000002/pin", headers=researcher).json()
    seen_by_second = second.get("/api/v1/persons/P-000002/pin", headers=admin).json()
    assert seen_by_first["version"] == seen_by_second["version"] == 1

    assert pin(first, researcher, 1, status="safe", as_of="2017-10").status_code == 200
    lost = pin(second, admin, 1, status="released", as_of="2017-10")
    assert lost.status_code == 409
    body = lost.json()
    assert body["your_version"] == 1 and body["current_version"] == 2
    assert body["person_id"] == "P-000002"
    assert "changed by someone else" in body["detail"] and "version 2" in body["detail"]

    state = web.client().get("/api/v1/persons/P-000002/pin", headers=admin).json()
    assert [h["status"] for h in state["history"]] == ["safe"], "the loser wrote nothing"
    assert len(audit_rows(web.workspace, "person.pin")) == 1
    retried = pin(second, admin, body["current_version"], status="released", as_of="2017-10")
    assert retried.status_code == 200 and retried.json()["version"] == 3


def test_removing_a_pin_keeps_its_history(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    loaded(web, cipher, tmp_path, sample_rows)
    script, researcher = web.client(), token_for(web, "researcher")
    assert pin(script, researcher, 1).status_code == 200
    removed = pin(script, researcher, 2, status=None, as_of=None, reason="the call was a mistake")
    assert removed.status_code == 200 and removed.json()["change"]["status"] is None
    state = script.get("/api/v1/persons/P-000002/pin", headers=researcher).json()
    assert state["version"] == 3 and state["pin"] is None
    assert [(h["version"], h["status"]) for h in state["history"]] == [(2, "returned"), (3, None)]
    assert [r.action for r in audit_rows(web.workspace, "person.unpin")] == ["person.unpin"]
    with web.workspace.read() as conn:
        assert person_pins.current_pins(conn) == {}


def test_the_pin_in_force_is_there_for_the_counting_engine(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    loaded(web, cipher, tmp_path, sample_rows)
    script, researcher = web.client(), token_for(web, "researcher")
    assert pin(script, researcher, 1, person="P-000002", status="safe").status_code == 200
    assert pin(script, researcher, 1, person="P-000003", status="died").status_code == 200
    assert pin(script, researcher, 2, person="P-000003", status="released").status_code == 200
    with web.workspace.read() as conn:
        pins = person_pins.current_pins(conn)
    assert {p: (e.status, e.version) for p, e in pins.items()} == {
        "P-000002": ("safe", 2),
        "P-000003": ("released", 3),
    }
    assert pins["P-000003"].reason(cipher) == REASON


def test_the_reason_is_sealed_at_rest_and_shown_only_to_roles_that_see_names(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    loaded(web, cipher, tmp_path, sample_rows)
    script = web.client()
    assert pin(script, token_for(web, "admin"), 1).status_code == 200
    with web.workspace.read() as conn:
        stored = conn.execute(select(table_of(PersonEdit))).one()
    assert REASON.encode() not in stored.reason_enc and REASON not in str(stored)
    analyst = script.get("/api/v1/persons/P-000002/pin", headers=token_for(web, "analyst"))
    assert analyst.status_code == 200
    assert analyst.json()["pin"]["status"] == "returned" and analyst.json()["pin"]["reason"] is None
    assert "canary-pin-reason" not in analyst.text
    assert audit_rows(web.workspace, "names.read") == []
    shown = script.get("/api/v1/persons/P-000002/pin", headers=token_for(web, "researcher"))
    assert shown.json()["pin"]["reason"] == REASON
    (read,) = audit_rows(web.workspace, "names.read")
    assert read.record_id == "P-000002" and "canary" not in read.details


def test_a_bad_date_or_reason_is_refused_and_changes_nothing(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    loaded(web, cipher, tmp_path, sample_rows)
    script, researcher = web.client(), token_for(web, "researcher")
    refusals = {
        "not a date": pin(script, researcher, 1, as_of="2017-13-45"),
        "pin without a date": pin(script, researcher, 1, as_of=None),
        "unpin with a date": pin(script, researcher, 1, status=None),
        "blank reason": pin(script, researcher, 1, reason="   "),
    }
    assert {k: a.status_code for k, a in refusals.items()} == dict.fromkeys(refusals, 400)
    assert "as_of" in refusals["not a date"].json()["detail"]
    assert REASON not in refusals["not a date"].text
    assert pin(script, researcher, 1, reason="").status_code == 422
    assert pin(script, researcher, 1, status="vanished").status_code == 422
    assert pin(script, researcher, 1, surprise="field").status_code == 422
    assert pin(script, researcher, 0).status_code == 422
    state = script.get("/api/v1/persons/P-000002/pin", headers=researcher).json()
    assert state["version"] == 1 and state["history"] == []
    assert audit_rows(web.workspace, "person.pin") == []


def test_an_unknown_person_is_404_for_writers_and_readers_alike(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    loaded(web, cipher, tmp_path, sample_rows)
    script, researcher = web.client(), token_for(web, "researcher")
    assert pin(script, researcher, 1, person="P-999999").status_code == 404
    assert script.get("/api/v1/persons/P-999999/pin", headers=researcher).status_code == 404
    analyst = token_for(web, "analyst")
    assert pin(script, analyst, 1, person="P-000001").status_code == 403
    assert pin(script, analyst, 1, person="P-999999").status_code == 403
    viewer = token_for(web, "viewer")
    existing = script.get("/api/v1/persons/P-000001/pin", headers=viewer)
    missing = script.get("/api/v1/persons/P-999999/pin", headers=viewer)
    assert existing.status_code == missing.status_code == 404
    assert existing.json() == missing.json()


def test_a_server_started_without_the_key_refuses_edits_it_cannot_seal(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    loaded(web, cipher, tmp_path, sample_rows)
    url = web.workspace.url if web.workspace.dialect != "sqlite" else None
    locked = create_app(web.workspace.path, url)
    with TestClient(locked, base_url=BASE_URL) as script:
        answer = pin(script, token_for(web, "researcher"), 1)
    assert answer.status_code == 503 and "without the key" in answer.json()["detail"]
    with web.workspace.read() as conn:
        assert person_pins.person_version(conn, "P-000002") == 1
