"""Linkage settings version 6: people reported together as evidence (`groups`).

Crafted mentions (a source and a group label per row) and crafted scored pairs: the
step between scoring and clustering must lift a weak pair whose group-mates are linked
across two reports, leave every other pair as it was, never let two group-mates of one
report ride one linked mate, and never override a human "not the same" decision.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pytest
from babel.messages.pofile import read_po

from refwatch.linkage.cluster import cluster, weight_of
from refwatch.linkage.explain import (
    GROUPS,
    GROUPS_DESCRIPTION,
    GROUPS_LINKED,
    GROUPS_NOT_LINKED,
    RunModel,
)
from refwatch.linkage.features import MentionTable
from refwatch.linkage.groups import (
    GROUP_LINKED_M,
    GROUP_LINKED_U,
    add_group_evidence,
    group_ids,
    group_weight,
    linked_mates,
)
from refwatch.linkage.model import Scores
from refwatch.linkage.settings import SETTINGS_VERSION, LinkageConfig
from refwatch.web.i18n import catalogue_path

BAR = LinkageConfig().group_bar or 0.9
LINE = weight_of(LinkageConfig().threshold)


def _table(rows: list[tuple[str, str | None]]) -> MentionTable:
    """Mentions as (source, group label) rows."""
    table = pa.table(
        {
            "source_id": pa.array([s for s, _ in rows], pa.string()),
            "group_id": pa.array([g for _, g in rows], pa.string()),
        }
    )
    ids = [f"m{i}" for i in range(len(rows))]
    return MentionTable(table, ids, ids, 0)


def _scores(pairs: list[tuple[int, int, float]]) -> Scores:
    """Scored pairs (a < b, match probability), sorted as a run sorts them."""
    pairs = sorted(pairs)
    probability = np.array([p for _, _, p in pairs])
    return Scores(
        a=np.array([a for a, _, _ in pairs], dtype=np.int64),
        b=np.array([b for _, b, _ in pairs], dtype=np.int64),
        probability=probability,
        weight=np.log2(probability / (1 - probability)),
        parts=np.zeros((len(pairs), 0)),
        tf=np.full(len(pairs), np.nan),
        model={"comparisons": [], "probability_two_random_records_match": 1e-4},
    )


def _row(scores: Scores, a: int, b: int) -> int:
    return int(np.flatnonzero((scores.a == a) & (scores.b == b))[0])


def _persons(table: MentionTable, scores: Scores, different: list[tuple[int, int]] = ()) -> list:  # type: ignore[assignment, type-arg]
    return cluster(
        len(table),
        scores.a,
        scores.b,
        scores.weight,
        threshold_weight=LINE,
        unseen_weight=weight_of(0.01),
        different=list(different),
    ).labels


# Two reports of one group: S1's G1 (rows 0-2) and S2's H1 (rows 3-5).
REPORTS = [("S1", "G1")] * 3 + [("S2", "H1")] * 3


def test_two_mates_of_one_report_cannot_both_ride_the_same_linked_mate() -> None:
    # Rows 1 and 2 (two people of one report) both look a little like row 4 of the other
    # report, and row 0 is surely row 3. Only one of them may gain the evidence, and the
    # two must not end up one person with row 4.
    table = _table(REPORTS)
    scores = _scores([(0, 3, 0.99), (1, 4, 0.2), (2, 4, 0.15)])
    add_group_evidence(table, scores, BAR)
    assert scores.group is not None
    assert scores.group[_row(scores, 1, 4)] == pytest.approx(group_weight())
    assert scores.group[_row(scores, 2, 4)] == 0.0
    labels = _persons(table, scores)
    assert labels[1] == labels[4]
    assert labels[2] != labels[4]


def test_two_mates_linked_to_one_person_count_once() -> None:
    # Rows 0 and 1 of one report both strongly like row 3 of the other: one linked mate,
    # not two (each mention counted once).
    table = _table(REPORTS)
    scores = _scores([(0, 3, 0.99), (1, 3, 0.98), (2, 4, 0.2)])
    k = linked_mates(scores.a, scores.b, scores.weight, scores.probability, group_ids(table), BAR)
    assert k[_row(scores, 2, 4)] == 1
    assert k[_row(scores, 1, 3)] == 0  # not in the one-to-one matching: no evidence


def test_group_mates_linked_across_two_lists_pull_a_weak_pair_above_the_threshold() -> None:
    table = _table(REPORTS)
    scores = _scores([(0, 3, 0.99), (1, 4, 0.95), (2, 5, 0.2)])
    weak = _row(scores, 2, 5)
    assert scores.weight[weak] < LINE
    before = scores.weight.copy()
    add_group_evidence(table, scores, BAR)
    assert scores.weight[weak] == pytest.approx(before[weak] + group_weight())
    assert scores.weight[weak] >= LINE
    assert scores.probability[weak] == pytest.approx(1 / (1 + 2 ** -scores.weight[weak]))
    labels = _persons(table, scores)
    assert labels[0] == labels[3] and labels[1] == labels[4] and labels[2] == labels[5]


def test_a_pair_with_no_linked_mates_is_unchanged() -> None:
    rows = [
        *REPORTS,
        ("S3", None),  # 6: no group
        ("S1", "G2"),  # 7: another report of S1, nobody of it linked anywhere
        ("S1", "G1"),  # 8: G1 again (a second report with the same label)
    ]
    table = _table(rows)
    pairs = [
        (0, 3, 0.99),  # linked mates of G1 and H1 ...
        (1, 4, 0.97),
        (2, 6, 0.2),  # ... but row 6 has no group
        (5, 7, 0.2),  # H1 and G2: no mates linked between these two groups
        (0, 8, 0.2),  # same source, same label: one group, not two reports of it
    ]
    scores = _scores(pairs)
    before = scores.weight.copy(), scores.probability.copy()
    add_group_evidence(table, scores, BAR)
    assert scores.group is not None
    for a, b, _ in pairs[2:]:
        row = _row(scores, a, b)
        assert scores.group[row] == 0.0
        assert scores.weight[row] == before[0][row]
        assert scores.probability[row] == before[1][row]
    # The strong pairs themselves: each has the other as a mate, and nothing else moved.
    assert scores.group[_row(scores, 0, 3)] == pytest.approx(group_weight())


def test_leftover_members_of_two_reports_ride_nothing_unless_their_names_agree() -> None:
    # Rows 2 and 5 are the members each report has and the other lacks: the one-to-one
    # matching pairs them, but with different names and a low score they are two people.
    table = _table(REPORTS)
    scores = _scores([(0, 3, 0.99), (1, 4, 0.95), (2, 5, 0.05)])
    add_group_evidence(table, scores, BAR)
    assert scores.group is not None and scores.group[_row(scores, 2, 5)] == 0.0
    # The same pair with one name key on both sides does gain.
    keys = np.array([[0, -1], [1, -1], [2, -1], [0, -1], [1, -1], [-1, 2]])
    scores = _scores([(0, 3, 0.99), (1, 4, 0.95), (2, 5, 0.05)])
    add_group_evidence(table, scores, BAR, keys=keys)
    assert scores.group is not None
    assert scores.group[_row(scores, 2, 5)] == pytest.approx(group_weight())


def test_no_group_at_all_changes_nothing() -> None:
    table = _table([("S1", None), ("S2", None), ("S1", ""), ("S2", "")])
    scores = _scores([(0, 1, 0.99), (2, 3, 0.2)])
    weights = scores.weight.copy()
    add_group_evidence(table, scores, BAR)
    assert np.array_equal(scores.weight, weights)
    assert scores.group is not None and not scores.group.any()


def test_a_cannot_link_decision_still_holds() -> None:
    table = _table(REPORTS)
    scores = _scores([(0, 3, 0.99), (1, 4, 0.95), (2, 5, 0.3)])
    add_group_evidence(table, scores, BAR, different=[(2, 5)])
    assert scores.weight[_row(scores, 2, 5)] >= LINE  # evidence, but ...
    labels = _persons(table, scores, different=[(2, 5)])
    assert labels[2] != labels[5]  # ... the decision wins
    assert labels[0] == labels[3]


def test_a_linked_mate_a_decision_forbids_is_no_mate() -> None:
    table = _table(REPORTS)
    scores = _scores([(0, 3, 0.99), (2, 5, 0.2)])
    add_group_evidence(table, scores, BAR, different=[(3, 0)])
    assert scores.group is not None
    assert scores.group[_row(scores, 2, 5)] == 0.0


def test_the_weight_is_measured_and_positive() -> None:
    assert 0.0 < GROUP_LINKED_U < GROUP_LINKED_M < 1.0
    assert group_weight() == pytest.approx(math.log2(GROUP_LINKED_M / GROUP_LINKED_U))


def test_version_6_is_on_for_new_runs_and_off_for_runs_saved_before() -> None:
    assert SETTINGS_VERSION >= 6  # version 7 keeps the step
    saved = LinkageConfig().as_dict()
    assert saved["settings_version"] == SETTINGS_VERSION and saved["group_bar"] == BAR
    assert LinkageConfig.from_dict(saved).group_bar == BAR
    old = {k: v for k, v in saved.items() if k != "group_bar"}
    old["settings_version"] = 5
    assert LinkageConfig.from_dict(old).group_bar is None


def test_an_explanation_shows_the_group_evidence_only_for_runs_that_weighed_it() -> None:
    table = _table(REPORTS)
    scores = _scores([(0, 3, 0.99), (1, 4, 0.95), (2, 5, 0.2)])
    add_group_evidence(table, scores, BAR)
    detail = scores.details(np.array([_row(scores, 2, 5), _row(scores, 0, 3)]))
    assert detail[0] == f"0:{group_weight():.2f}"
    settings = {"refwatch": LinkageConfig().as_dict(), "splink": {"comparisons": []}}
    (part,) = RunModel(settings).parts(detail[0], None)
    assert (part.comparison, part.level) == (GROUPS, GROUPS_LINKED)
    assert part.weight == pytest.approx(round(group_weight(), 2))
    (none,) = RunModel(settings).parts("-1:0.00", None)
    assert none.level == GROUPS_NOT_LINKED and none.weight == 0.0
    before_v6 = {"refwatch": {"settings_version": 5}, "splink": {"comparisons": []}}
    assert RunModel(before_v6).parts(detail[0], None) == []


def test_the_group_evidence_reads_in_korean() -> None:
    with open(catalogue_path("ko"), "rb") as handle:
        catalogue = read_po(handle, locale="ko")
    korean = {m.id: str(m.string) for m in catalogue if m.id and m.string}
    for words in (GROUPS, GROUPS_DESCRIPTION, GROUPS_LINKED, GROUPS_NOT_LINKED):
        assert words in korean, words
