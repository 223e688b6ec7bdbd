"""benchmarks/before_after.py: figures read from printed lines, runs kept and read back,
the verdict per figure and the table (no benchmark is run)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "before_after.py"
_spec = importlib.util.spec_from_file_location("before_after", SCRIPT)
assert _spec is not None and _spec.loader is not None
ba = importlib.util.module_from_spec(_spec)
sys.modules["before_after"] = ba
_spec.loader.exec_module(ba)

LCMCR = {b.name: b for b in ba.BENCHMARKS}["lcmcr_speed"]
OUTPUT = "\n".join(
    [
        "machine: 2 cores, load average 6.74; one-core figures ...",
        "RefWatch sampler, one core: 510,500 sweeps in 3.90 CPU s = 130,897 sweeps/s; "
        "posterior median N = 9,606",
        "baseline (np.random sampler), one core: 102,500 sweeps in 1.25 CPU s = 81,768 "
        "sweeps/s; posterior median N = 10,621",
        "ratio RefWatch / baseline: 1.60x",
        "2 chains on 2 processes: 31,200 sweeps in 0.94 s wall = 33,165 sweeps/s (includes "
        "process start-up)",
    ]
)


def test_figures_are_read_from_the_printed_lines() -> None:
    values = {f.label: ba.figure_value(f, OUTPUT) for f in LCMCR.figures}
    assert values == {
        "RefWatch sweeps/s, one core": 130_897,
        "baseline sweeps/s, one core": 81_768,
        "ratio RefWatch / baseline": 1.60,
        "sweeps/s, all cores": 33_165,
        "posterior median N (RefWatch)": 9_606,
    }


def test_a_figure_missing_from_the_output_is_none() -> None:
    assert ba.figure_value(LCMCR.figures[0], "nothing printed") is None


def row(kind: str, before: list[float], after: list[float]) -> object:
    return ba.Comparison("x", ba.Figure("f", "", kind), before, after)


@pytest.mark.parametrize(
    ("kind", "before", "after", "expected"),
    [
        ("time", [10.0, 12.0], [11.0, 13.0], "yes"),
        ("time", [10.0, 11.0], [13.0, 14.0], "no (+29%)"),
        ("time", [10.0], [15.0], "one run each (+50%)"),
        ("time", [10.0, 11.0], [], "not measured"),
        ("quality", [0.91], [0.91], "identical"),
        ("quality", [0.91], [0.93], "differs (+0.02)"),
        ("quality", [0.91, 0.93], [0.92, 0.93], "yes (runs vary)"),
    ],
)
def test_verdict(kind: str, before: list[float], after: list[float], expected: str) -> None:
    assert ba.verdict(row(kind, before, after)) == expected


def test_runs_kept_in_a_folder_are_compared_by_median(tmp_path: Path) -> None:
    meta = []
    for side, number, rate, seconds in [
        ("before", 1, "100,000", 20.0),
        ("after", 1, "120,000", 22.0),
        ("before", 2, "110,000", 21.0),
        ("after", 2, "90,000", 19.0),
    ]:
        text = OUTPUT.replace("130,897 sweeps/s", f"{rate} sweeps/s")
        (tmp_path / f"lcmcr_speed.{side}.{number}.txt").write_text(text, "utf-8")
        meta.append(ba.Run("lcmcr_speed", side, number, 3.0, seconds, 0))
    meta.append(ba.Run("lcmcr_speed", "after", 3, 3.0, 5.0, 1))  # failed: left out
    lines = [json.dumps({k: v for k, v in vars(r).items() if k != "output"}) for r in meta]
    (tmp_path / "runs.jsonl").write_text("\n".join(lines) + "\n", "utf-8")

    runs = ba.read_runs(tmp_path)
    rows = {r.figure.label: r for r in ba.compare([LCMCR], runs)}

    rate = rows["RefWatch sweeps/s, one core"]
    assert (rate.before, rate.after) == ([100_000, 110_000], [120_000, 90_000])
    assert ba.verdict(rate) == "yes"
    assert rows["wall time of the script, s"].after == [22.0, 19.0]
    text = ba.table(list(rows.values()), {"lcmcr_speed": "python benchmarks/lcmcr_speed.py"})
    assert "| lcmcr_speed | `python benchmarks/lcmcr_speed.py` | RefWatch sweeps/s" in text
    assert "| 105,000 (±5%, n=2) | 105,000 (±14%, n=2) | 1.000 | yes |" in text
    assert "failed: lcmcr_speed after #3" in ba.summary(runs)


def test_a_tree_flag_is_passed_only_to_a_script_that_knows_it(tmp_path: Path) -> None:
    bench = ba.Bench("linkage_scale", ("--sizes", "10"), tree_flag=True)
    (tmp_path / "benchmarks").mkdir()
    script = tmp_path / "benchmarks" / "linkage_scale.py"
    script.write_text("parser.add_argument('--sizes')\n", "utf-8")
    expected = ["py", "benchmarks/linkage_scale.py", "--sizes", "10"]
    assert ba.command(bench, tmp_path, "py", "pg") == expected
    script.write_text("parser.add_argument('--baseline-tree')\n", "utf-8")
    assert ba.command(bench, tmp_path, "py", "pg")[2:] == [
        "--sizes",
        "10",
        "--baseline-tree",
        str(tmp_path),
    ]
    script.write_text("add_argument('--baseline-tree'); add_argument('--only-baseline')\n", "utf-8")
    assert ba.command(bench, tmp_path, "py", "pg")[-3:] == [
        "--baseline-tree",
        str(tmp_path),
        "--only-baseline",
    ]
