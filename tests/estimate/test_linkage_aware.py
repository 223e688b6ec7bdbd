"""Linkage-aware estimates: the sampler of clusterings, the answer's shape, the ledger.

The sampler is checked on hand-made graphs (no store); the rest on a small synthetic
world that goes through the real import and the real linkage run once per module.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from refwatch.cli import app
from refwatch.estimate import EstimateOptions, LcmcrSettings, estimate_from_workspace
from refwatch.estimate.linkage_aware import LinkageGraph, calibrated, sample_labels
from refwatch.estimate.record import recheck_estimate, record_estimates
from refwatch.intake.importer import import_files
from refwatch.linkage import run_linkage
from refwatch.simulate.world import simulate_world
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import KdfParams, Secret
from refwatch.store.workspace import Workspace, init_workspace, open_workspace
from tests.conftest import PASSPHRASE

runner = CliRunner()


def graph(
    n: int,
    pairs: list[tuple[int, int, float]],
    same: list[tuple[int, int]] | None = None,
    different: list[tuple[int, int]] | None = None,
) -> LinkageGraph:
    return LinkageGraph(
        mention_ids=[f"m{i:03d}" for i in range(n)],
        person_now=[f"P-{i}" for i in range(n)],
        a=np.array([p[0] for p in pairs], dtype=np.int64),
        b=np.array([p[1] for p in pairs], dtype=np.int64),
        probability=np.array([p[2] for p in pairs], dtype=np.float64),
        same=same or [],
        different=different or [],
    )


def test_a_cannot_link_pair_is_never_in_one_cluster_even_through_a_chain() -> None:
    # 0-1-2-3 is a chain of near-certain pairs; a decision says 0 and 3 differ.
    g = graph(6, [(0, 1, 0.999), (1, 2, 0.9), (2, 3, 0.999), (3, 4, 0.5), (0, 5, 0.5)],
              different=[(0, 3)])  # fmt: skip
    rng = np.random.default_rng(1)
    for _ in range(300):
        labels = sample_labels(g, rng, shift_inside=2.0, shift_between=2.0)
        assert labels[0] != labels[3]


def test_must_link_mentions_are_always_together_without_any_pair() -> None:
    g = graph(5, [(2, 3, 0.3)], same=[(0, 4), (1, 4)])
    rng = np.random.default_rng(2)
    for _ in range(200):
        labels = sample_labels(g, rng)
        assert labels[0] == labels[1] == labels[4]


def test_sure_pairs_are_always_joined_and_uncertain_ones_at_their_rate() -> None:
    g = graph(4, [(0, 1, 1.0), (1, 2, 1.0 - 1e-12), (2, 3, 0.3)])
    rng = np.random.default_rng(3)
    joined = 0
    for _ in range(2000):
        labels = sample_labels(g, rng)
        assert labels[0] == labels[1] == labels[2]
        joined += labels[3] == labels[2]
    assert 0.26 < joined / 2000 < 0.34


def test_a_decision_that_contradicts_must_link_leaves_the_cannot_link_honoured() -> None:
    g = graph(3, [(0, 1, 0.99), (1, 2, 0.99)], same=[(0, 2)], different=[(0, 1)])
    rng = np.random.default_rng(4)
    for _ in range(100):
        labels = sample_labels(g, rng)
        assert labels[0] == labels[2] and labels[0] != labels[1]


def test_calibration_keeps_sure_pairs_and_moves_the_rest_on_the_logit_scale() -> None:
    p = np.array([1.0, 0.5, 0.2])
    out = calibrated(p, 1.0, 2.0)
    assert out[0] == 1.0
    assert out[1] == pytest.approx(1 / (1 + np.exp(-2.0)))
    assert calibrated(p, 1.0, 0.0) is p


SECRET = Secret(passphrase=PASSPHRASE)
FAST = KdfParams(iterations=1, lanes=1, memory_cost_kib=1024)
QUICK = ["--burnin", "500", "--samples", "100", "--thinning", "2", "--chains", "1"]


@pytest.fixture(scope="module")
def linked_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic world, imported and linked for real (once for the module)."""
    root = tmp_path_factory.mktemp("aware")
    world = simulate_world(root / "world", people=300, sources=4, seed=11)
    workspace = init_workspace(root / "ws", SECRET, kdf=FAST)
    cipher = FieldCipher(workspace.unlock(SECRET))
    import_files(workspace, cipher, list(world.case_lists), actor="test")
    run_linkage(workspace, cipher, "test")
    workspace.close()
    return root / "ws"


def quick_options(**changes: object) -> EstimateOptions:
    settings = LcmcrSettings(burnin=500, samples=100, thinning=2, chains=2, processes=1)
    base = EstimateOptions(method="lcmcr", seed=5, lcmcr=settings, linkage_draws=6)
    return EstimateOptions(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def test_the_command_answers_a_linkage_aware_estimate_in_the_promised_shape(
    linked_world: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(linked_world))
    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("REFWATCH_ACTOR", "cli-test")
    args = ["estimate", "--lists", "source", "--method", "lcmcr", "--seed", "3", *QUICK]
    result = runner.invoke(app, [*args, "--linkage-draws", "6", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["lower"] <= data["estimate"] <= data["upper"]
    linkage = data["linkage"]
    assert linkage["mode"] == "aware" and linkage["draws"] == 6
    assert 0.0 <= linkage["share_of_width"] <= 1.0
    assert set(linkage["fixed"]) == {"estimate", "lower", "upper"}
    assert any("comes from uncertainty in linkage" in n for n in data["notes"])
    fixed = runner.invoke(app, [*args, "--linkage", "fixed", "--json"])
    assert fixed.exit_code == 0, fixed.output
    fixed_data = json.loads(fixed.stdout)
    assert "linkage" not in fixed_data
    assert fixed_data["estimate"] == linkage["fixed"]["estimate"]
    human = runner.invoke(app, [*args, "--linkage-draws", "6"])
    assert "of the width comes from linkage" in human.stdout
    bad = runner.invoke(app, [*args, "--linkage", "maybe"])
    assert bad.exit_code == 2


def test_the_ledger_reproduces_a_seeded_linkage_aware_estimate(linked_world: Path) -> None:
    with open_workspace(linked_world) as workspace:
        assert isinstance(workspace, Workspace)
        made = estimate_from_workspace(workspace, options=quick_options())
        again = estimate_from_workspace(workspace, options=quick_options())
        assert made.total.as_dict() == again.total.as_dict()
        ids = record_estimates(workspace, made, actor="test")
        from refwatch.counting.ledger import read_entry

        entry = read_entry(workspace, ids["total"])
        assert entry["query"]["linkage"] == "aware"
        check = recheck_estimate(workspace, entry)
        assert check.error is None
        assert check.same_numbers and check.same_table
        assert check.now is not None and check.now["linkage"]["draws"] == 6
