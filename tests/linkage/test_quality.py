"""Linkage quality against a known truth: the scores themselves, then Splink end to end."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refwatch.intake.importer import import_files
from refwatch.linkage import run_linkage
from refwatch.linkage.quality import evaluate
from refwatch.simulate.load_demo import build_demo
from refwatch.simulate.world import simulate_world
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import Secret
from refwatch.store.workspace import init_workspace, open_workspace
from tests.conftest import TEST_KDF
from tests.linkage.conftest import World, person_of


def test_a_perfect_clustering_scores_one_and_a_merge_costs_precision() -> None:
    truth = {"a": 1, "b": 1, "c": 2, "d": 3}
    perfect = evaluate(truth, truth)
    assert (perfect.pairwise_f1, perfect.bcubed_f1) == (1.0, 1.0)
    merged = evaluate({"a": 1, "b": 1, "c": 1, "d": 3}, truth)
    assert merged.pairwise_recall == 1.0 and merged.pairwise_precision == pytest.approx(1 / 3)
    assert merged.persons_found == 2 and merged.persons_true == 3


@given(st.lists(st.integers(0, 5), min_size=1, max_size=30), st.integers(0, 10_000))
def test_scores_stay_between_zero_and_one_and_are_one_only_for_the_truth(
    labels: list[int], seed: int
) -> None:
    truth = {i: label for i, label in enumerate(labels)}
    shuffled = labels[:]
    random.Random(seed).shuffle(shuffled)
    found = dict(enumerate(shuffled))
    score = evaluate(found, truth)
    for value in score.as_dict().values():
        assert value >= 0
    assert 0 <= score.pairwise_f1 <= 1 and 0 <= score.bcubed_f1 <= 1
    if score.bcubed_f1 == 1.0:
        assert len(set(found.values())) == len(set(truth.values()))


def test_splink_finds_the_persons_of_a_400_person_world_with_f1_at_least_095(
    tmp_path: Path, secret: Secret
) -> None:
    world = simulate_world(tmp_path / "world", people=400, sources=4, seed=1)
    workspace = init_workspace(tmp_path / "ws", secret, kdf=TEST_KDF)
    cipher = FieldCipher(workspace.unlock(secret))
    import_files(workspace, cipher, list(world.case_lists))
    with open(world.truth, encoding="utf-8", newline="") as handle:
        truth = {(r["source"], r["record_id"]): r["true_person_id"] for r in csv.DictReader(handle)}
    summary = run_linkage(workspace, cipher, "tester")
    assert not [n for n in summary.training if "skipped" in n and "name_key+appr_lo" in n]
    true_person = World(tmp_path, truth, world.rows).true_person_of(workspace)
    score = evaluate(person_of(workspace), true_person)
    assert score.pairwise_f1 >= 0.95
    assert abs(score.persons_found - score.persons_true) <= 0.05 * score.persons_true
    workspace.close()


def test_the_demo_links_into_about_its_92_invented_persons(tmp_path: Path, secret: Secret) -> None:
    build_demo(tmp_path / "demo", secret, tmp_path / "scratch", kdf=TEST_KDF)
    with open_workspace(tmp_path / "demo") as workspace:
        summary = run_linkage(workspace, FieldCipher(workspace.unlock(secret)), "tester")
    assert summary.mentions == 171  # 167 rows of 2017, 4 of news after the return
    assert 90 <= summary.persons <= 95
