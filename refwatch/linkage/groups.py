"""Group co-membership as evidence: people reported together (settings version 6).

A mention carries the source's label for the group it was reported with (`group_id`:
people apprehended together in one report). When two mentions a and b sit in groups G
and H of two reports, and other members of G are already linked, surely, to other
members of H, then G and H are two reports of one group, and a and b are more likely
one person than their own names and dates say. This is evidence about the whole run's
scored pairs, not about two mentions, so it is a step between scoring and clustering
(`run._run`), not a Splink comparison.

How it is counted, per pair of groups (G, H), G != H (a second report with the same
label in the same source is one group, not two):

1. The candidate pairs between G and H, strongest first, are matched one to one
   (greedily: a pair is taken when neither of its mentions is taken yet). Only pairs
   in that matching get the evidence, so two group-mates of one report cannot both
   ride the same linked mate onto one person of the other report: the weaker of the
   two is not in the matching.
2. Linked mates of a pair in the matching: the other pairs of the matching whose match
   probability reaches `LinkageConfig.group_bar` (and that no "not the same" decision
   forbids). The matching is one to one, so each mate is counted once.
3. A pair with at least one linked mate gains `log2(GROUP_LINKED_M / GROUP_LINKED_U)`
   bits, if its own evidence is not against it: the two mentions share a name key, or
   the pair scored at least `GROUP_OWN_MIN`. Two reports of one group each list some
   members the other lacks, and the one-to-one matching pairs those leftovers with
   each other; with different names and a low score they are two people (on the
   tuning worlds, two of the five pairs of two people that had linked mates were such
   leftovers, and no pair of one person). Nothing else changes: no group, or no linked
   mate, weighs nothing (absence is not evidence that two mentions differ).

Namesakes in two reports of one group (two different 김영희, each seen by one report)
can still ride the evidence; that is why it is one fixed factor (not growing with the
count of mates), measured among candidate pairs (so it adds only what names and dates
have not already counted), and why human decisions stay constraints in `cluster` that
no evidence overrides.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from refwatch.linkage.features import MentionTable
from refwatch.linkage.model import Scores

GROUP_LINKED_M = 0.0244
GROUP_LINKED_U = 0.000204
"""m and u of "at least one group-mate linked across" (+6.9 bits), measured among the
candidate pairs the step can move (scored below `LinkageConfig.group_bar` = 0.9, and
sharing a name key or scored at least `GROUP_OWN_MIN`), on the tuning worlds: the hard
800-person worlds of seeds 1-10 and the world of 100,000 persons of seed 7
(benchmarks/linkage_scale.py's world, settings version 5's scores). 247 of 10,107 such
pairs of one person have a linked mate, and 3 of 19,591 pairs of two people; u counts
one more than was seen (4), as so few were (settings version 6)."""

GROUP_OWN_MIN = 0.1
"""A pair whose mentions share no name key gains the group evidence only if it scored
at least this on its own (the low end of the review band, `LinkageConfig.review_low`)."""


def group_ids(table: MentionTable) -> np.ndarray:
    """Each row's group as an integer id (-1: none): the source and its group label."""
    sources = table.table.column("source_id").to_pylist()
    labels = table.table.column("group_id").to_pylist()
    ids: dict[tuple[object, str], int] = {}
    out = np.full(len(labels), -1, dtype=np.int64)
    for row, (source, label) in enumerate(zip(sources, labels, strict=True)):
        if label:
            out[row] = ids.setdefault((source, str(label)), len(ids))
    return out


def linked_mates(
    a: np.ndarray,
    b: np.ndarray,
    weight: np.ndarray,
    probability: np.ndarray,
    groups: np.ndarray,
    bar: float,
    different: Sequence[tuple[int, int]] = (),
) -> np.ndarray:
    """Per scored pair: how many group-mates are linked across (0 when the pair is not in
    its groups' one-to-one matching, or has no group on either side)."""
    k = np.zeros(len(a), dtype=np.int64)
    if len(a) == 0:
        return k
    ga, gb = groups[a], groups[b]
    between = np.flatnonzero((ga >= 0) & (gb >= 0) & (ga != gb))
    if len(between) == 0:
        return k
    low = np.minimum(ga[between], gb[between])
    high = np.maximum(ga[between], gb[between])
    # Blocks of one pair of groups, strongest pair first (ties by rows: reproducible).
    order = np.lexsort((b[between], a[between], -weight[between], high, low))
    rows = between[order]
    low, high = low[order], high[order]
    forbidden = {(min(x, y), max(x, y)) for x, y in different}
    starts = np.flatnonzero(np.r_[True, (low[1:] != low[:-1]) | (high[1:] != high[:-1])])
    ends = np.r_[starts[1:], len(rows)]
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        if end - start < 2:
            continue  # one pair between the two groups: no mate to count
        taken: set[int] = set()
        matched: list[int] = []
        strong = 0
        for row in rows[start:end].tolist():
            x, y = int(a[row]), int(b[row])
            if x in taken or y in taken:
                continue
            taken.add(x)
            taken.add(y)
            matched.append(row)
            strong += bool(probability[row] >= bar and (x, y) not in forbidden)
        for row in matched:
            own = bool(probability[row] >= bar and (int(a[row]), int(b[row])) not in forbidden)
            k[row] = strong - own
    return k


def group_weight() -> float:
    """The bits "at least one group-mate linked across" adds."""
    return math.log2(GROUP_LINKED_M / GROUP_LINKED_U)


def share_key(keys: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per pair: whether rows a and b share a name key (`run.key_ids`: two ids a row,
    -1 for none), in either reading."""
    ka, kb = keys[a], keys[b]
    out = np.zeros(len(a), dtype=bool)
    for i in range(2):
        for j in range(2):
            out |= (ka[:, i] >= 0) & (ka[:, i] == kb[:, j])
    return out


def add_group_evidence(
    table: MentionTable,
    scores: Scores,
    bar: float,
    different: Sequence[tuple[int, int]] = (),
    keys: np.ndarray | None = None,
) -> Scores:
    """Add the group evidence to `scores` (in place, and returned): weights, match
    probabilities, and `scores.group` (the bits added per pair, for explanations).

    `keys`: each row's name keys (`run.key_ids`); None: no row shares one."""
    k = linked_mates(
        scores.a,
        scores.b,
        scores.weight,
        scores.probability,
        group_ids(table),
        bar,
        different,
    )
    if keys is None:
        keys = np.full((len(table), 2), -1, dtype=np.int64)
    own = share_key(keys, scores.a, scores.b) | (scores.probability >= GROUP_OWN_MIN)
    bits = np.where((k >= 1) & own, group_weight(), 0.0)
    scores.group = bits
    if bits.any():
        scores.weight = scores.weight + bits
        scores.probability = 1.0 / (1.0 + np.exp2(-scores.weight))
    return scores
