"""The demo workspace holds the seed scenario's records (DOMAIN.md), imported for real."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select

from refwatch.intake.export import export
from refwatch.simulate.load_demo import build_demo
from refwatch.store.database import drop_pg_schema
from refwatch.store.keys import Secret
from refwatch.store.schema import Group, Observation, table_of
from refwatch.store.workspace import open_workspace
from tests.conftest import TEST_KDF, pg_url_or_skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, object]]:
    root = tmp_path_factory.mktemp("demo")
    secret = Secret(passphrase="demo passphrase")
    result = build_demo(root / "ws", secret, root / "scratch", kdf=TEST_KDF)
    return root / "ws", root / "scratch" / "truth.csv", result


def _mentions_by_true_person(workspace_path: Path, truth: Path) -> dict[str, list[dict[str, str]]]:
    with open(truth, encoding="utf-8", newline="") as handle:
        key = {(r["source"], r["record_id"]): r["true_person_id"] for r in csv.DictReader(handle)}
    buffer = io.StringIO()
    with open_workspace(workspace_path) as workspace:
        export(workspace, "mentions", "csv", buffer)
    people: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in csv.DictReader(io.StringIO(buffer.getvalue())):
        people[key[(row["source"], row["record_id"])]].append(row)
    return people


def test_the_demo_is_marked_synthetic_and_has_overlapping_sources(
    demo: tuple[Path, Path, dict[str, object]],
) -> None:
    _, _, result = demo
    assert result["synthetic"] is True
    assert result["true_persons"] == 92
    assert int(str(result["sources"])) >= 4
    assert int(str(result["mentions"])) > 92


def test_the_demo_records_hold_the_seed_scenario(
    demo: tuple[Path, Path, dict[str, object]],
) -> None:
    path, truth, _ = demo
    people = _mentions_by_true_person(path, truth)
    assert len(people) == 92
    assert sum(1 for rows in people.values() if len({r["source"] for r in rows}) > 1) >= 20

    def flagged(rows: list[dict[str, str]], flag: str) -> bool:
        return any(flag in r["flags"].split(";") for r in rows)

    children = [p for p, rows in people.items() if flagged(rows, "child")]
    older_women = [
        p
        for p, rows in people.items()
        if flagged(rows, "older") and flagged(rows, "ill") and {r["sex"] for r in rows} == {"F"}
    ]
    babies = [p for p, rows in people.items() if flagged(rows, "born_in_detention")]
    returned = [p for p, rows in people.items() if any(r["status"] == "returned" for r in rows)]
    held = [p for p, rows in people.items() if all(r["status"] == "detained" for r in rows)]
    assert (len(children), len(older_women), len(babies)) == (11, 4, 1)
    assert (len(returned), len(held)) == (37, 55)

    def starts(rows: list[dict[str, str]]) -> set[str]:
        return {r["apprehended_on"][:7] for r in rows}

    first_year = [
        p for p, rows in people.items() if all("2016-07" <= m <= "2017-06" for m in starts(rows))
    ]
    crackdown = [
        p for p, rows in people.items() if all("2017-07" <= m <= "2017-08" for m in starts(rows))
    ]
    assert (len(first_year), len(crackdown)) == (51, 41)
    crackdown_places = {r["apprehended_place_id"] for p in crackdown for r in people[p]}
    assert any(
        "xishuangbanna" in (pid or "") or "jinghong" in (pid or "") or "mengla" in (pid or "")
        for pid in crackdown_places
    )
    assert any("changbai" in (pid or "") for pid in crackdown_places)
    tumen = {r["held_at_place_id"] for p in returned for r in people[p]}
    assert any("tumen" in (pid or "") for pid in tumen)


def test_the_demo_carries_the_guides_group_and_the_context_observations(
    demo: tuple[Path, Path, dict[str, object]],
) -> None:
    path, _, _ = demo
    with open_workspace(path) as workspace, workspace.read() as conn:
        groups = conn.execute(select(table_of(Group))).all()
        observations = conn.execute(select(table_of(Observation))).all()
    guides = [g for g in groups if "guide" in g.flags.split(";")]
    assert guides and guides[0].size_min is None and guides[0].size_max is None
    kinds = {o.kind for o in observations}
    assert {"capacity_change", "tip_off", "border_security"} <= kinds
    assert any(o.value == -80 for o in observations)


def test_the_demo_builds_on_postgresql_too(tmp_path: Path) -> None:
    url = pg_url_or_skip()
    secret = Secret(passphrase="demo passphrase")
    schema_name = None
    try:
        result = build_demo(tmp_path / "ws", secret, tmp_path / "scratch", db_url=url, kdf=TEST_KDF)
        with open_workspace(tmp_path / "ws") as workspace:
            schema_name = workspace.schema
        assert result["true_persons"] == 92
        people = _mentions_by_true_person(tmp_path / "ws", tmp_path / "scratch" / "truth.csv")
        assert len(people) == 92
    finally:
        if schema_name:
            drop_pg_schema(url, schema_name)
