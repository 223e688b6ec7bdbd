"""Stable person ids: a re-run keeps the ids of the persons it finds again.

Researchers cite person ids (P-000123) in notes, alerts and publications, so a re-run
must not renumber everyone. The policy:

1. Each new cluster may take the id of one person from before the run: the person
   holding the most of the cluster's mentions. Competing claims are settled greedily,
   largest shared count first, ties to the lowest old id (then to the cluster whose
   smallest mention id sorts first), so each old id goes to at most one cluster.
2. A cluster that gets no old id gets a new one, numbered after the highest id ever
   issued (retired ids included): ids are never reused.
3. An old id that no cluster takes is retired: its `persons` row stays (so the number is
   never issued again) and a `person_retirements` row records when, by which run, and
   which person took most of its mentions.
4. A kept id whose membership changed gets `persons.version` + 1. Membership is compared
   by each mention's original report (the root of its chain of corrections), so an
   imported correction of a report does not count as a change of person.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Assignment:
    """The outcome of the id policy for one clustering."""

    person_of: list[str]
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    retired: dict[str, str | None] = field(default_factory=dict)
    kept: int = 0


def person_number(person_id: str) -> int:
    return int(person_id.split("-", 1)[1])


def person_id(number: int) -> str:
    return f"P-{number:06d}"


def assign_ids(
    labels: Sequence[int],
    old_person: Sequence[str],
    roots: Sequence[str],
    order_keys: Sequence[str],
    next_number: int,
) -> Assignment:
    """Give each cluster (rows with one label) a person id, by the policy above.

    `old_person[i]` is row i's person before the run, `roots[i]` the id of its original
    report's mention, `order_keys[i]` its mention id (for deterministic tie-breaks).
    """
    clusters: dict[int, list[int]] = defaultdict(list)
    for row, label in enumerate(labels):
        clusters[label].append(row)
    first_key = {
        label: order_keys[rows[0]] if len(rows) == 1 else min(order_keys[r] for r in rows)
        for label, rows in clusters.items()
    }
    taken = _claimed(clusters, labels, old_person, first_key)
    label_of = {old: label for label, old in taken.items()}
    result = Assignment(person_of=[""] * len(labels))
    for label in sorted(clusters, key=lambda lab: first_key[lab]):
        if label not in taken:
            taken[label] = person_id(next_number)
            result.created.append(taken[label])
            next_number += 1
        for row in clusters[label]:
            result.person_of[row] = taken[label]
    _kept_and_retired(result, clusters, label_of, old_person, roots)
    return result


def _claimed(
    clusters: dict[int, list[int]],
    labels: Sequence[int],
    old_person: Sequence[str],
    first_key: dict[int, str],
) -> dict[int, str]:
    """The old id each cluster takes (step 1 of the policy).

    Competing claims are settled greedily in one sorted list. But a cluster none of whose
    old persons has mentions in another cluster competes with no one: it takes its own
    best claim. Only clusters holding a person split across clusters join the sorted
    list, which at a million mentions is a small part of them."""
    home: dict[str, int] = {}
    split: set[str] = set()
    for row, old in enumerate(old_person):
        if home.setdefault(old, labels[row]) != labels[row]:
            split.add(old)
    taken: dict[int, str] = {}
    contested: list[tuple[int, str, str, int]] = []
    for label, rows in clusters.items():
        if len(rows) == 1:
            old = old_person[rows[0]]
            if old in split:
                contested.append((-1, old, first_key[label], label))
            else:
                taken[label] = old
            continue
        counts = Counter(old_person[r] for r in rows)
        if split.isdisjoint(counts):
            taken[label] = min(counts.items(), key=lambda item: (-item[1], item[0]))[0]
        else:
            first = first_key[label]
            contested.extend((-count, old, first, label) for old, count in counts.items())
    contested.sort()
    used: set[str] = set()
    for _count, old, _key, label in contested:
        if label in taken or old in used:
            continue
        taken[label] = old
        used.add(old)
    return taken


def _kept_and_retired(
    result: Assignment,
    clusters: dict[int, list[int]],
    label_of: dict[str, int],
    old_person: Sequence[str],
    roots: Sequence[str],
) -> None:
    """Steps 3 and 4: which kept ids changed membership, and who succeeds a retired id
    (both in the order of the old ids)."""
    # Kept ids: membership compared by original report. Most persons before a run are one
    # mention (imported, never linked) and most clusters too: compared without building
    # sets, which at a hundred thousand mentions took longer than the rest of the policy.
    rows_of: dict[str, list[int]] = defaultdict(list)
    for row, old in enumerate(old_person):
        rows_of[old].append(row)
    retired: dict[str, str | None] = {}
    for old, rows in rows_of.items():
        label = label_of.get(old)
        if label is not None:
            result.kept += 1
            now = clusters[label]
            if len(rows) == 1 and len(now) == 1:
                same = roots[rows[0]] == roots[now[0]]
            else:
                same = {roots[r] for r in rows} == {roots[r] for r in now}
            if not same:
                result.changed.append(old)
        elif len(rows) == 1:
            retired[old] = result.person_of[rows[0]]
        else:
            successors = Counter(result.person_of[r] for r in rows)
            best = sorted(successors.items(), key=lambda item: (-item[1], item[0]))
            retired[old] = best[0][0]
    result.changed.sort()
    result.retired = dict(sorted(retired.items()))
