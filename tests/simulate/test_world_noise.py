"""The synthetic world's noise is the noise the issue asks for, and `refwatch simulate`
writes it: spelling variants of one person's name across sources, places in several
scripts, sources of different reach, repeated rows within a source, same seed same world."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from refwatch.cli import app
from refwatch.simulate.world import WorldSummary, simulate_world

runner = CliRunner()
Pair = tuple[dict[str, str], dict[str, str]]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> WorldSummary:
    return simulate_world(tmp_path_factory.mktemp("noise"), people=2000, sources=7, seed=11)


@pytest.fixture(scope="module")
def pairs(world: WorldSummary) -> list[Pair]:
    """(case-list row, its truth row) for every row of every case list."""
    truth = {(t["source"], t["record_id"]): t for t in _rows(world.truth)}
    return [
        (r, truth[(r["source"], r["record_id"])]) for path in world.case_lists for r in _rows(path)
    ]


def _script(text: str) -> str:
    if any("\uac00" <= ch <= "\ud7a3" for ch in text):
        return "hangul"
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "hanzi"
    return "latin" if any(ch.isascii() and ch.isalpha() for ch in text) else "other"


def test_one_person_is_spelled_differently_in_latin_by_different_sources(
    pairs: list[Pair],
) -> None:
    spellings: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row, truth in pairs:
        if row["name_latin"]:
            spellings[truth["true_person_id"]][row["name_latin"]].add(row["source"])
    varied = [
        person
        for person, by_spelling in spellings.items()
        if len(by_spelling) >= 2
        # two spellings that no single source shares: the variation is across sources
        and any(a.isdisjoint(b) for a in by_spelling.values() for b in by_spelling.values())
    ]
    seen_twice = [p for p, s in spellings.items() if sum(len(v) for v in s.values()) >= 2]
    assert len(varied) >= 50, len(varied)
    assert len(varied) / len(seen_twice) > 0.3
    # Variants of one name, not other people: the Hangul behind them is one name.
    hangul = defaultdict(set)
    for _, truth in pairs:
        hangul[truth["true_person_id"]].add(truth["name_hangul"])
    assert all(len(hangul[person]) == 1 for person in varied)


def test_place_names_come_in_latin_hanzi_and_hangul_even_for_one_place(
    pairs: list[Pair],
) -> None:
    scripts_of: dict[str, set[str]] = defaultdict(set)
    for row, truth in pairs:
        if row["apprehended_at"]:
            scripts_of[truth["apprehended_place"]].add(_script(row["apprehended_at"]))
    every = set().union(*scripts_of.values())
    assert {"latin", "hanzi", "hangul"} <= every
    assert sum(len(s) >= 3 for s in scripts_of.values()) >= 2
    origins = {_script(row["origin"]) for row, _ in pairs if row["origin"]}
    assert {"latin", "hangul"} <= origins


def test_sources_differ_in_reach(world: WorldSummary, pairs: list[Pair]) -> None:
    sizes = dict(world.rows_by_source)
    assert len(sizes) == 7 and min(sizes.values()) > 0
    assert max(sizes.values()) >= 5 * min(sizes.values()), sizes
    reached: dict[str, set[str]] = defaultdict(set)
    for row, truth in pairs:
        reached[row["source"]].add(truth["true_person_id"])
    coverage = sorted(len(p) / world.people for p in reached.values())
    assert coverage[0] < 0.1 < 0.3 < coverage[-1], coverage
    # Reach is not just size: a northern and a southern network barely overlap.
    north, south = (
        reached["Northern rescue network (synthetic)"],
        reached["Southern route network (synthetic)"],
    )
    assert len(north & south) < 0.1 * min(len(north), len(south))


def test_a_source_repeats_some_people_under_another_record_id(
    world: WorldSummary, pairs: list[Pair]
) -> None:
    per_source = Counter((row["source"], truth["true_person_id"]) for row, truth in pairs)
    repeated = {key for key, n in per_source.items() if n >= 2}
    assert len(repeated) == world.duplicate_rows > 10
    assert len({source for source, _ in repeated}) >= 3
    ids: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row, truth in pairs:
        if (row["source"], truth["true_person_id"]) in repeated:
            ids[(row["source"], truth["true_person_id"])].add(row["record_id"])
    assert all(len(found) == per_source[key] for key, found in ids.items())


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_refwatch_simulate_writes_the_case_lists_and_the_truth_the_same_for_a_seed(
    tmp_path: Path,
) -> None:
    def simulate(folder: str, seed: str) -> dict[str, Any]:
        args = ["simulate", str(tmp_path / folder), "--people", "300", "--sources", "3"]
        result = runner.invoke(app, [*args, "--seed", seed, "--json"])
        assert result.exit_code == 0, result.stderr
        return dict(json.loads(result.stdout))

    summary = simulate("a", "5")
    files = _digests(tmp_path / "a")
    assert len([name for name in files if name.endswith(".csv")]) == 4
    assert {"truth.csv", "README.txt"} <= set(files)
    assert (summary["people"], summary["sources"], summary["seed"]) == (300, 3, 5)
    truth = _rows(tmp_path / "a" / "truth.csv")
    assert len(truth) == summary["rows"] > 0
    case_lists = sorted(Path(p).name for p in summary["case_lists"])
    assert case_lists == sorted(n for n in files if n.endswith(".csv") and n != "truth.csv")
    case_rows = sum(len(_rows(tmp_path / "a" / name)) for name in case_lists)
    assert case_rows == summary["rows"]
    simulate("b", "5")
    assert _digests(tmp_path / "b") == files
    simulate("c", "6")
    other = _digests(tmp_path / "c")
    assert other["truth.csv"] != files["truth.csv"]
    result = runner.invoke(app, ["simulate", str(tmp_path / "d"), "--people", "50"])
    assert result.exit_code == 0 and "synthetic world of 50 persons" in result.stdout
