"""A small version of benchmarks/chain_estimation_study.py: the whole chain on known worlds.

Each world is simulated with realistic noise, imported, linked by the real linkage run and
estimated with LCMCR three ways (perfect, fixed and linkage-aware linkage). The test
fails when the linkage-aware estimate's coverage or bias falls below its goal, or when
it does clearly worse than the fixed linkage in the same worlds. Short chains and few
linkage draws keep it near a minute of CPU; the figures that count are the benchmark's.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from refwatch.estimate import LcmcrSettings

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "chain_estimation_study.py"
_spec = importlib.util.spec_from_file_location("chain_estimation_study", SCRIPT)
assert _spec is not None and _spec.loader is not None
study = importlib.util.module_from_spec(_spec)
sys.modules["chain_estimation_study"] = study
_spec.loader.exec_module(study)

WORLDS = 4
SEED = 500


@pytest.mark.slow
def test_the_chain_covers_the_truth_and_linkage_awareness_does_no_harm(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = study.options_for

    def quick(method: str, seed: int, linkage: str, draws: int) -> object:
        options = base(method, seed, linkage, draws)
        settings = LcmcrSettings(burnin=2000, samples=300, thinning=5, chains=1, seed=seed)
        return type(options)(**{**options.__dict__, "lcmcr": settings})

    monkeypatch.setattr(study, "options_for", quick)
    setting = study.Setting(people=400, sources=5, noise="realistic")
    rows = []
    for i in range(WORLDS):
        world_rows, _ = study.one_world(setting, SEED + i, ["lcmcr"], draws=10)
        rows.extend(world_rows)
    by = {
        linkage: [r for r in rows if r["linkage"] == linkage and "estimate" in r]
        for linkage in study.LINKAGES
    }
    assert all(len(v) == WORLDS for v in by.values()), rows

    def covered(linkage: str) -> int:
        return sum(r["lower"] <= r["truth"] <= r["upper"] for r in by[linkage])

    def error(linkage: str) -> float:
        return float(np.median([abs(r["estimate"] / r["truth"] - 1) for r in by[linkage]]))

    def bias(linkage: str) -> float:
        return float(np.mean([r["estimate"] / r["truth"] - 1 for r in by[linkage]]))

    assert covered("perfect") >= WORLDS - 1
    assert covered("aware") >= WORLDS - 1, by["aware"]
    assert abs(bias("aware")) < 0.08, by["aware"]
    assert error("aware") <= error("fixed") + 0.03
    assert all(0.0 <= r["share"] <= 1.0 for r in by["aware"])
