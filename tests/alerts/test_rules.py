"""Every person still held gets an alert, and each rule raises severity where it should."""

from __future__ import annotations

import json
from typing import Any

from refwatch.alerts.rules import compute_alerts
from refwatch.alerts.settings import save_settings
from refwatch.alerts.state import view_dict
from refwatch.counting import count_persons
from refwatch.store.workspace import Workspace
from tests.alerts.conftest import AS_OF, NAMES


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
