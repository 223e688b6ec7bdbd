"""The small version of benchmarks/count_bounds_study.py: through the whole chain (a noisy
synthetic world, the real import, real Splink linkage, the count), "at least" must not
exceed the documented truth and "at most" must not fall below it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from count_bounds_study import one_world


@pytest.mark.slow
def test_bounds_hold_through_import_and_real_linkage_on_hard_noise(tmp_path: Path) -> None:
    checks: dict[str, list[tuple[int, int, int, bool]]] = {}
    for seed in (501, 502):
        found = one_world(tmp_path / str(seed), seed, "hard", people=400, sources=5)
        for label, rows in found.items():
            checks.setdefault(label, []).extend(rows)
    default = next(label for label in checks if label.endswith("*"))

    def held(label: str) -> float:
        rows = checks[label]
        return sum(lo <= truth <= hi for lo, truth, hi, _ in rows) / len(rows)

    assert len(checks[default]) >= 250
    assert held(default) >= 0.98
    assert held(default) >= held("before")
    over = sum(lo > truth for lo, truth, _, _ in checks[default])
    assert over <= sum(lo > truth for lo, truth, _, _ in checks["before"])
    # Identity bounds cost little: in the median check "at least" is within one of what
    # perfect linkage gives.
    pairs = zip(checks[default], checks["perfect"], strict=True)
    perfect = sorted(abs(a[0] - p[0]) for a, p in pairs)
    assert perfect[len(perfect) // 2] <= 1
