"""On the demo, `refwatch alerts --as-of 2017-09-30 --json` alerts every one of the 55
still held (the seed scenario's urgent-action list), and names none of them."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from refwatch.cli import app
from refwatch.simulate.load_demo import build_demo
from refwatch.store.database import drop_pg_schema
from refwatch.store.keys import Secret
from refwatch.store.workspace import open_workspace
from tests.conftest import ENGINES, TEST_KDF, pg_url_or_skip
from tests.counting.conftest import link_by_truth, read_truth

runner = CliRunner()


@pytest.fixture(scope="module", params=ENGINES)
def linked_demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, Path]]:
    root = tmp_path_factory.mktemp(f"alerts-demo-{request.param}")
    url = pg_url_or_skip() if request.param == "postgresql" else None
    build_demo(
        root / "ws",
        Secret(passphrase="demo passphrase"),
        root / "scratch",
        db_url=url,
        kdf=TEST_KDF,
    )
    with open_workspace(root / "ws") as workspace:
        assert link_by_truth(workspace, read_truth(root / "scratch" / "truth.csv")) == 92
        schema = workspace.schema
    try:
        yield root / "ws", root / "scratch"
    finally:
        if url is not None and schema is not None:
            drop_pg_schema(url, schema)


def _json(path: Path, *args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["--workspace", str(path), *args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def demo_names(scratch: Path) -> set[str]:
    names: set[str] = set()
    for path in scratch.glob("*.csv"):
        with open(path, encoding="utf-8", newline="") as handle:
            for record in csv.DictReader(handle):
                for column in ("name_hangul", "name_latin"):
                    if record.get(column):
                        names.add(record[column])
    return names


def test_the_demo_alerts_every_one_of_the_55_still_held(linked_demo: tuple[Path, Path]) -> None:
    path, scratch = linked_demo
    data = _json(path, "alerts", "--as-of", "2017-09-30")
    alerts = data["alerts"]
    assert isinstance(alerts, list)
    held = _json(path, "count", "--status", "detained", "--as-of", "2017-09-30")
    assert data["count"] == len(alerts) == 55
    assert {a["person_id"] for a in alerts} == set(held["persons"])
    for alert in alerts:
        assert {"person_id", "kind", "severity", "since", "reason"} <= set(alert)
    kinds = {a["kind"] for a in alerts}
    assert "pre_return_facility" in kinds  # Tumen, some returned from it in the summer
    names = demo_names(scratch)
    assert len(names) > 100
    text = json.dumps(data, ensure_ascii=False)
    assert not [n for n in names if n in text]


def test_todays_stored_alerts_flag_years_old_news_as_stale(
    linked_demo: tuple[Path, Path],
) -> None:
    path, _ = linked_demo
    data = _json(path, "alerts")
    alerts = data["alerts"]
    assert isinstance(alerts, list) and len(alerts) == 55
    assert data["stored"] is True
    assert all(a["stale"] and a["id"] for a in alerts)
    assert all("last confirmed on 201" in a["reason"] for a in alerts)
