"""Linkage survives the noise of issue 12: typing errors, glued and reordered names,
missing Hangul, repeats within a source, rows without dates or places.

The sound keys are free of order and spacing; a Hangul name decides when both sides have
one; the near-name levels weigh as much as the workspace's own name noise says; the prior
agrees with the scored pairs; and a small "hard" world links with recall and precision
close to what benchmarks/linkage_recall.py measures on 800-person worlds.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

from refwatch.intake.importer import import_files
from refwatch.linkage import run_linkage
from refwatch.linkage.features import bag, known_names
from refwatch.linkage.model import TF_FLOOR, Scores, calibrate_prior, term_frequencies
from refwatch.linkage.names import name_features
from refwatch.linkage.quality import evaluate
from refwatch.linkage.settings import (
    NAME_NOISE_REFERENCE,
    SETTINGS_VERSION,
    LinkageConfig,
    name_comparison,
    name_noise,
)
from refwatch.simulate.world import HARD, simulate_world
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import Secret
from refwatch.store.workspace import init_workspace
from tests.conftest import TEST_KDF
from tests.linkage.conftest import World, person_of


def _sounds(hangul: str | None, latin: str | None) -> set[str]:
    found = name_features(hangul, latin)
    return {k for k in (found.phonetic, found.phonetic_rev) if k}


def test_glued_split_and_reordered_names_give_the_same_sounds() -> None:
    right = _sounds("김송국", None)
    for written in ("Song-kukKim", "KimSongkuk", "Kimsong Kuk", "Songkuk Kim", "Kim Song-kuk"):
        assert right & _sounds(None, written), written
    assert bag(name_features(None, "Kim Songkuk").phonetic) == bag(
        name_features(None, "Songkuk Kim").phonetic
    )


def test_the_family_name_and_the_given_name_do_not_merge_a_letter() -> None:
    # 김명옥 and 김영옥 are two names: "kim" + "myoNok" keeps its second m.
    assert name_features("김명옥", None).phonetic != name_features("김영옥", None).phonetic


def test_name_noise_is_the_share_of_latin_only_names_without_a_readable_family_name() -> None:
    assert name_noise([], [], []) == 0.0
    surnames = ["김", "~komyon", None, "이", "김"]
    phonetic = ["kimyoN", "komyonhwe", "soNkokim", "isonhi", None]
    hangul = [None, None, None, "이순희", None]
    assert name_noise(surnames, phonetic, hangul) == 2 / 3
    assert 0 < NAME_NOISE_REFERENCE < 1
    assert SETTINGS_VERSION >= 2


def test_term_frequencies_count_over_all_mentions() -> None:
    table = pa.table({"hangul": ["김영희", "김영희", None, None, "박정숙"]})
    tf = term_frequencies(table, "hangul").to_pydict()
    assert dict(zip(tf["hangul"], tf["tf_hangul"], strict=True)) == {
        "김영희": 0.4,
        "박정숙": 0.2,
    }


def test_term_frequencies_leave_out_the_persons_own_mentions() -> None:
    # Version 4: a name seen twice may be one person's two reports, so its frequency
    # among other people's mentions is what is left after two, never below the floor.
    names = ["김영희"] * 5 + ["박정숙"] * 2 + ["이옥"] + [None] * 2
    tf = term_frequencies(pa.table({"hangul": names}), "hangul", own_mentions=2.0).to_pydict()
    assert dict(zip(tf["hangul"], tf["tf_hangul"], strict=True)) == {
        "김영희": 3 / 10,
        "박정숙": TF_FLOOR / 10,
        "이옥": TF_FLOOR / 10,
    }


def test_runs_saved_before_version_4_keep_counting_names_as_they_did() -> None:
    old = {k: v for k, v in LinkageConfig().as_dict().items() if k != "tf_own_mentions"}
    old["settings_version"] = 3
    assert LinkageConfig.from_dict(old).tf_own_mentions == 0.0
    assert LinkageConfig.from_dict(LinkageConfig().as_dict()).tf_own_mentions == 2.0
    assert SETTINGS_VERSION >= 4


def test_a_name_is_known_when_some_mention_writes_it_in_hangul() -> None:
    rows = [("김경숙", None), (None, "Kim Kyongsuk"), (None, "KimYongsuk"), (None, "Kmi Yongsuk")]
    found = [name_features(h, latin) for h, latin in rows]
    known = known_names(
        [f.phonetic for f in found] + [None],
        [f.phonetic_rev for f in found] + [None],
        [h for h, _ in rows] + [None],
    )
    # 김경숙 in Hangul and its romanisation are real names; "KimYongsuk" (김영숙) is a name
    # nobody here writes in Hangul, "Kmi Yongsuk" a typing error: neither is known.
    assert known == [True, True, False, False, None]


def test_two_real_names_a_sound_apart_weigh_against_a_match() -> None:
    levels = name_comparison().get_comparison("duckdb").as_dict()["comparison_levels"]
    labels = [level.get("label_for_charts", "") for level in levels]
    real = next(i for i, label in enumerate(labels) if label.startswith("two real names"))
    typo = next(i for i, label in enumerate(labels) if label.startswith("names one sound"))
    assert real < typo  # checked first: a typing error only where a name is not real
    level = levels[real]
    assert level["m_probability"] < level["u_probability"]
    assert "ph_known_l" in level["sql_condition"] and "ph_flat_l" in level["sql_condition"]


def test_the_calibrated_prior_agrees_with_the_scored_pairs() -> None:
    weights = np.array([10.0, 10.0, 8.0, -2.0, -5.0])
    scores = Scores(
        a=np.arange(5),
        b=np.arange(5) + 1,
        probability=1 / (1 + np.exp2(-weights)),
        weight=weights,
        parts=np.zeros((5, 1)),
        tf=np.full(5, np.nan),
        model={"probability_two_random_records_match": 0.001},
    )
    note = calibrate_prior(scores, rows=60, keep_min=0.0)
    prior = scores.model["probability_two_random_records_match"]
    assert "calibrated" in note
    assert abs(scores.probability.sum() / (60 * 59 / 2) - prior) < 1e-3 * prior


def test_a_hard_world_links_with_high_recall_and_precision(tmp_path: Path, secret: Secret) -> None:
    world = simulate_world(tmp_path / "world", people=400, sources=5, seed=21, noise=HARD)
    workspace = init_workspace(tmp_path / "ws", secret, kdf=TEST_KDF)
    cipher = FieldCipher(workspace.unlock(secret))
    import_files(workspace, cipher, list(world.case_lists))
    with open(world.truth, encoding="utf-8", newline="") as handle:
        truth = {(r["source"], r["record_id"]): r["true_person_id"] for r in csv.DictReader(handle)}
    summary = run_linkage(workspace, cipher, "tester")
    assert any("calibrated" in note for note in summary.training)
    score = evaluate(
        person_of(workspace), World(tmp_path, truth, world.rows).true_person_of(workspace)
    )
    # Today's goal is 0.98 / 0.98 (issue 12); these floors catch a fall back to the
    # previous release (recall 0.85-0.89 on such worlds).
    assert score.pairwise_recall >= 0.92
    assert score.pairwise_precision >= 0.95
    workspace.close()
