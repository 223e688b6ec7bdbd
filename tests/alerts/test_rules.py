"""Every person still held gets an alert, and each rule raises severity where it should."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from refwatch.alerts.rules import compute_alerts
from refwatch.alerts.settings import save_settings
from refwatch.alerts.state import view_dict
from refwatch.counting import count_persons
from refwatch.intake.importer import import_file
from refwatch.store import audit
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import current_mentions, links
from refwatch.store.workspace import Workspace
from tests.alerts.conftest import AS_OF, NAMES
from tests.conftest import row, write_csv


def _by_person(workspace: Workspace) -> dict[str, dict[str, Any]]:
    _, views = compute_alerts(workspace, AS_OF)
    return {v.person_id: view_dict(v) for v in views}


def codes(alert: dict[str, Any]) -> set[str]:
    factors = alert["factors"]
    assert isinstance(factors, list)
    return {f["code"] for f in factors}


def test_every_person_still_held_gets_an_alert_and_no_one_else(
    workspace: Workspace, scenario: dict[str, str], no_hook: None
) -> None:
    alerts = _by_person(workspace)
    held = count_persons(workspace, status="detained", as_of=AS_OF)
    possibly = set(held.persons_possible) if hasattr(held, "persons_possible") else set()
    assert set(held.persons) <= set(alerts) <= set(held.persons) | possibly | {scenario["A-4"]}
    assert scenario["A-1"] not in alerts  # returned
    assert scenario["A-5"] not in alerts  # released
    assert {scenario["A-2"], scenario["A-3"], scenario["A-4"]} <= set(alerts)


def test_a_facility_others_were_returned_from_and_a_returned_group_member_make_it_critical(
    workspace: Workspace, scenario: dict[str, str], no_hook: None
) -> None:
    alert = _by_person(workspace)[scenario["A-2"]]
    assert {"pre_return_facility", "group_returned"} <= codes(alert)
    assert alert["severity"] == "critical"
    assert alert["kind"] == "pre_return_facility"
    assert alert["since"] == "2017-06-01"
    assert alert["last_confirmed"] == "2017-09-25"
    assert not alert["stale"]
    assert "Tumen border detention center" in str(alert["reason"])


def test_a_child_and_pregnant_person_without_news_is_vulnerable_and_stale(
    workspace: Workspace, scenario: dict[str, str], no_hook: None
) -> None:
    alert = _by_person(workspace)[scenario["A-3"]]
    assert codes(alert) == {"vulnerable", "stale"}
    factors = {f["code"]: f["params"] for f in alert["factors"]}
    assert factors["vulnerable"]["kinds"] == ["child", "pregnant"]
    assert factors["stale"] == {"days": 112, "threshold": 30}
    assert alert["last_confirmed"] == "2017-06-10"
    assert "last confirmed on 2017-06-10" in str(alert["reason"])
    assert alert["severity"] == "high"  # two kinds of vulnerability (2), stale (1)


def test_reports_that_conflict_raise_the_alert(
    workspace: Workspace, scenario: dict[str, str], no_hook: None
) -> None:
    alert = _by_person(workspace)[scenario["A-4"]]
    assert "conflict" in codes(alert)
    factors = {f["code"]: f["params"] for f in alert["factors"]}
    assert "detained_after_exit" in factors["conflict"]["conflicts"]


def test_the_stale_threshold_is_a_setting(
    workspace: Workspace, scenario: dict[str, str], no_hook: None
) -> None:
    save_settings(workspace, "admin", stale_days=200)
    alert = _by_person(workspace)[scenario["A-3"]]
    assert "stale" not in codes(alert)
    assert alert["severity"] == "high"


def test_no_alert_carries_a_name(
    workspace: Workspace, scenario: dict[str, str], no_hook: None
) -> None:
    text = json.dumps(_by_person(workspace), ensure_ascii=False)
    for name in NAMES:
        assert name not in text
    for alert in _by_person(workspace).values():
        assert set(alert) >= {"person_id", "kind", "severity", "since", "reason"}



def _group_row(
    record_id: str, status: str, group: str = "", held_at: str = ""
) -> dict[str, str]:
    return row(
        source="Group test network",
        source_type="ngo_list",
        record_id=record_id,
        reported_on="2017-09-25",
        name_latin=f"Groupperson {record_id}",
        sex="F",
        apprehended_on="2017-06-01",
        status=status,
        status_on="2017-09-20",
        group=group,
        held_at=held_at,
    )


def test_group_returned_counts_each_returned_member_of_the_persons_groups_once(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path, no_hook: None
) -> None:
    """R-1 and H-1 are each one person reported in groups G-1 and G-2: R-1 counts once for
    H-1, and a held person counts only the returned of their own groups."""
    rows = [
        _group_row("R-1a", "returned", "G-1"),
        _group_row("R-1b", "returned", "G-2"),
        _group_row("R-2", "returned", "G-1"),
        _group_row("R-3", "returned", "G-2"),
        _group_row("R-4", "returned", "G-9"),
        _group_row("H-1a", "detained", "G-1"),
        _group_row("H-1b", "detained", "G-2"),
        _group_row("H-2", "detained", "G-2"),
        _group_row("H-3", "detained", "G-3"),
        _group_row("H-4", "detained"),
    ]
    person = _import_joined(workspace, cipher, tmp_path, rows, ("R-1b", "R-1a"), ("H-1b", "H-1a"))
    _, views = compute_alerts(workspace, AS_OF)
    factor = {(v.person_id, f.code): f.params for v in views for f in v.factors}
    returned = {
        v.person_id: factor.get((v.person_id, "group_returned"), {}).get("returned", 0)
        for v in views
    }
    expected = {"H-1a": 3, "H-2": 2, "H-3": 0, "H-4": 0}
    assert returned == {person[record]: n for record, n in expected.items()}


def _import_joined(
    workspace: Workspace,
    cipher: FieldCipher,
    folder: Path,
    rows: list[dict[str, str]],
    *joins: tuple[str, str],
) -> dict[str, str]:
    """Import `rows`, each its own person, then join each (record, into) pair's mentions
    into one person; person ids by record id."""
    import_file(workspace, cipher, write_csv(folder / "rows.csv", rows), actor="t")
    cm = current_mentions().subquery()
    with workspace.write() as conn:
        found = conn.execute(select(cm.c.id, cm.c.person_id, cm.c.record_id)).all()
        person = {str(r.record_id): str(r.person_id) for r in found}
        for joined, into in joins:
            mention = next(str(r.id) for r in found if r.record_id == joined)
            conn.execute(
                update(links)
                .where(links.c.mention_id == mention)
                .values(person_id=person[into], run_id=None)
            )
        audit.log(conn, "t", "linkage.test_join", details={"persons": len(joins)})
    return person


def test_pre_return_facility_names_each_facility_with_returns_and_counts_the_others(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path, no_hook: None
) -> None:
    """Two returned from Tumen, one from Yanji, none from Longjing: a person held at Tumen
    hears of two, one held at both Tumen and Yanji of three (facilities sorted), one held
    at Longjing of none."""
    tumen, yanji = "Tumen border detention center", "Yanji detention center"
    rows = [
        _group_row("R-T1", "returned", held_at=tumen),
        _group_row("R-T2", "returned", held_at=tumen),
        _group_row("R-Y1", "returned", held_at=yanji),
        _group_row("H-T", "detained", held_at=tumen),
        _group_row("H-TYa", "detained", held_at=yanji),
        _group_row("H-TYb", "detained", held_at=tumen),
        _group_row("H-L", "detained", held_at="Longjing detention center"),
    ]
    person = _import_joined(workspace, cipher, tmp_path, rows, ("H-TYb", "H-TYa"))
    _, views = compute_alerts(workspace, AS_OF)
    factor = {(v.person_id, f.code): f.params for v in views for f in v.factors}
    facility = {
        record: factor.get((person[record], "pre_return_facility"))
        for record in ("H-T", "H-TYa", "H-L")
    }
    tumen_id, yanji_id = "fac-cn-tumen-border-detention", "fac-cn-yanji-detention"
    assert facility["H-T"] == {"facilities": [tumen_id], "returned": 2, "within_days": 90}
    assert facility["H-TYa"] == {
        "facilities": [tumen_id, yanji_id],
        "returned": 3,
        "within_days": 90,
    }
    assert facility["H-L"] is None
