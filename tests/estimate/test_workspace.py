"""Capture histories from a workspace's linked persons, estimates, and the ledger.

`link_by_key` stands in for record linkage (another room's job): it puts every current
mention on the person its record id names, as a linkage run would rewrite person_links.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import bindparam, select, update

from refwatch.estimate import EstimateOptions, estimate_from_workspace
from refwatch.estimate.histories import HistoriesQuery, workspace_histories
from refwatch.estimate.record import record_estimates
from refwatch.intake.importer import import_files
from refwatch.store import audit
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import current_mentions, links
from refwatch.store.schema import table_of
from refwatch.store.schema_ledger import LedgerEntry
from refwatch.store.workspace import Workspace
from tests.conftest import row, write_csv

SOURCES = [
    ("Family contacts", "family"),
    ("Seoul list", "ngo_list"),
    ("Activist reports", "activist"),
    ("Northern network", "network"),
]


def _membership(k: int) -> list[int]:
    """Which of the four sources report person k: a fixed, overlapping pattern."""
    on = [int(k % 2 == 0), int(k % 3 != 0), int(k % 5 in (0, 1, 2)), int(k % 7 in (0, 3))]
    return on if any(on) else [1, 0, 0, 0]


def _people_rows(count: int) -> list[dict[str, str]]:
    rows = []
    for k in range(count):
        day = date(2017, 1 + (k % 12), 10).isoformat()
        for (name, kind), on in zip(SOURCES, _membership(k), strict=True):
            if on:
                rows.append(
                    row(
                        source=name,
                        source_type=kind,
                        reported_on="2018-01-05",
                        record_id=f"P{k:03d}-{kind}",
                        name_latin=f"Person {k}",
                        sex="F" if k % 2 else "M",
                        apprehended_on=day,
                        apprehended_at="Tumen",
                        status="detained",
                    )
                )
    return rows


def link_by_key(workspace: Workspace) -> int:
    cm = current_mentions().subquery()
    with workspace.write() as conn:
        found = conn.execute(
            select(cm.c.id, cm.c.person_id, cm.c.record_id).order_by(cm.c.person_id)
        ).all()
        chosen: dict[str, str] = {}
        for r in found:
            chosen.setdefault(r.record_id.split("-")[0], r.person_id)
        conn.execute(
            update(links)
            .where(links.c.mention_id == bindparam("m"))
            .values(person_id=bindparam("p"), run_id="answer-key", match_probability=0.97),
            [{"m": r.id, "p": chosen[r.record_id.split("-")[0]]} for r in found],
        )
        audit.log(conn, "test", "linkage.answer_key", details={"persons": len(chosen)})
    return len(chosen)


@pytest.fixture
def linked(workspace: Workspace, cipher: FieldCipher, tmp_path: Path) -> Workspace:
    path = write_csv(tmp_path / "lists.csv", _people_rows(120))
    import_files(workspace, cipher, [path], actor="test")
    assert link_by_key(workspace) == 120
    return workspace


def test_a_person_is_on_every_list_that_mentions_them(linked: Workspace) -> None:
    histories = workspace_histories(linked, HistoriesQuery(lists="source"))
    table = histories.total
    assert table.n == 120
    index = {name: j for j, name in enumerate(table.lists)}
    expected = [0] * 16
    for k in range(120):
        h = sum(on << index[name] for (name, _), on in zip(SOURCES, _membership(k), strict=True))
        expected[h] += 1
    assert table.counts.tolist() == expected


def test_lists_by_source_type_and_strata_by_quarter(linked: Workspace) -> None:
    histories = workspace_histories(linked, HistoriesQuery(lists="source_type", stratify="quarter"))
    assert set(histories.total.lists) == {"family", "ngo_list", "activist", "network"}
    assert set(histories.strata) == {"2017-Q1", "2017-Q2", "2017-Q3", "2017-Q4"}
    assert sum(t.n for t in histories.strata.values()) == 120


def test_a_period_keeps_the_persons_apprehended_in_it(linked: Workspace) -> None:
    histories = workspace_histories(
        linked, HistoriesQuery(period_from=date(2017, 1, 1), period_to=date(2017, 3, 31))
    )
    assert histories.total.n == 30


def test_estimates_per_stratum_are_recorded_in_the_ledger(linked: Workspace) -> None:
    result = estimate_from_workspace(
        linked, stratify="sex", options=EstimateOptions(interval="profile", nboot=0)
    )
    assert result.total.n_observed == 120
    assert set(result.strata) == {"F", "M"}
    ids = record_estimates(linked, result, actor="tester", purpose="test")
    assert set(ids) == {"total", *(k for k, v in result.strata.items() if not isinstance(v, str))}
    ledger = table_of(LedgerEntry)
    with linked.read() as conn:
        entry = conn.execute(select(ledger).where(ledger.c.id == ids["total"])).mappings().one()
    assert entry["kind"] == "estimate"
    assert entry["at_least"] == 120
    numbers = json.loads(entry["numbers"])
    assert numbers["method"] == "loglinear"
    assert len(json.loads(entry["persons"])["certain"]) == 120


def test_region_strata_come_from_the_gazetteer_province_of_the_apprehension_place(
    linked: Workspace,
) -> None:
    histories = workspace_histories(linked, HistoriesQuery(stratify="region"))
    assert len(histories.strata) == 1
    assert "unknown" not in histories.strata
