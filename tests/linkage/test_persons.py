"""The stable person-id policy, case by case and as properties."""

from __future__ import annotations

import random
from collections import Counter, defaultdict

from hypothesis import given
from hypothesis import strategies as st

from refwatch.linkage.persons import Assignment, assign_ids, person_id, person_number


def assign(labels: list[int], old: list[str], roots: list[str] | None = None, nxt: int = 100):
    keys = [f"m{i:03d}" for i in range(len(labels))]
    return assign_ids(labels, old, roots or keys, keys, nxt)


def test_an_unchanged_cluster_keeps_its_id_and_version() -> None:
    result = assign([0, 0, 2], ["P-000001", "P-000001", "P-000002"])
    assert result.person_of == ["P-000001", "P-000001", "P-000002"]
    assert result.created == [] and result.changed == [] and result.retired == {}


def test_a_merge_keeps_the_id_holding_most_mentions_and_retires_the_other() -> None:
    result = assign([0, 0, 0], ["P-000005", "P-000005", "P-000002"])
    assert set(result.person_of) == {"P-000005"}
    assert result.retired == {"P-000002": "P-000005"}
    assert result.changed == ["P-000005"]


def test_a_tie_goes_to_the_lowest_id() -> None:
    result = assign([0, 0], ["P-000007", "P-000003"])
    assert set(result.person_of) == {"P-000003"}
    assert result.retired == {"P-000007": "P-000003"}


def test_a_split_keeps_the_id_on_the_larger_part_and_numbers_the_other_anew() -> None:
    result = assign([0, 0, 2], ["P-000004"] * 3, nxt=9)
    assert result.person_of == ["P-000004", "P-000004", "P-000009"]
    assert result.created == ["P-000009"]
    assert result.changed == ["P-000004"]


def test_a_corrected_report_is_not_a_change_of_membership() -> None:
    # Row 1 is the corrected version of an earlier mention "m-root": same root, same person.
    result = assign([0, 0], ["P-000001", "P-000001"], roots=["m-a", "m-root"])
    assert result.changed == []


def test_new_ids_are_numbered_after_every_id_ever_issued() -> None:
    result = assign([0, 1], ["P-000001", "P-000001"], nxt=42)
    assert result.created == ["P-000042"]


@st.composite
def clusterings(draw: st.DrawFn) -> tuple[list[int], list[str]]:
    n = draw(st.integers(1, 30))
    labels = draw(st.lists(st.integers(0, 8), min_size=n, max_size=n))
    old = draw(st.lists(st.integers(1, 8).map(lambda i: f"P-{i:06d}"), min_size=n, max_size=n))
    return labels, old


@given(clusterings())
def test_ids_are_one_per_cluster_never_reused_and_retirements_are_exactly_the_unused(
    case: tuple[list[int], list[str]],
) -> None:
    labels, old = case
    result = assign(labels, old, nxt=100)
    by_label: dict[int, set[str]] = {}
    for label, pid in zip(labels, result.person_of, strict=True):
        by_label.setdefault(label, set()).add(pid)
    assert all(len(ids) == 1 for ids in by_label.values())
    ids = [next(iter(v)) for v in by_label.values()]
    assert len(ids) == len(set(ids))
    assert all(person_number(pid) >= 100 for pid in result.created)
    assert set(result.retired) == set(old) - set(result.person_of)
    assert set(result.retired).isdisjoint(result.person_of)
    assert all(successor in result.person_of for successor in result.retired.values())


@given(clusterings())
def test_each_kept_id_went_to_a_cluster_holding_its_mentions(
    case: tuple[list[int], list[str]],
) -> None:
    labels, old = case
    result = assign(labels, old)
    for row, pid in enumerate(result.person_of):
        if pid not in result.created:
            assert any(
                old[other] == pid and labels[other] == labels[row] for other in range(len(labels))
            )


def _reference(
    labels: list[int], old_person: list[str], roots: list[str], order_keys: list[str], nxt: int
) -> Assignment:
    """The policy written plainly, with sets for every person (the fast path must agree)."""
    clusters: dict[int, list[int]] = defaultdict(list)
    for row, label in enumerate(labels):
        clusters[label].append(row)
    first_key = {label: min(order_keys[r] for r in rows) for label, rows in clusters.items()}
    claims = sorted(
        (-count, old, first_key[label], label)
        for label, rows in clusters.items()
        for old, count in Counter(old_person[r] for r in rows).items()
    )
    taken: dict[int, str] = {}
    used: set[str] = set()
    for _count, old, _key, label in claims:
        if label not in taken and old not in used:
            taken[label] = old
            used.add(old)
    result = Assignment(person_of=[""] * len(labels))
    for label in sorted(clusters, key=lambda lab: first_key[lab]):
        if label not in taken:
            taken[label] = person_id(nxt)
            result.created.append(taken[label])
            nxt += 1
        for row in clusters[label]:
            result.person_of[row] = taken[label]
    before: dict[str, set[str]] = defaultdict(set)
    after: dict[str, set[str]] = defaultdict(set)
    for row, root in enumerate(roots):
        before[old_person[row]].add(root)
        after[result.person_of[row]].add(root)
    for old in sorted(before):
        if old in used:
            result.kept += 1
            if before[old] != after[old]:
                result.changed.append(old)
            continue
        successors = Counter(
            p for p, o in zip(result.person_of, old_person, strict=True) if o == old
        )
        result.retired[old] = sorted(successors.items(), key=lambda i: (-i[1], i[0]))[0][0]
    return result


def test_the_policy_agrees_with_its_plain_statement_on_random_clusterings() -> None:
    rng = random.Random(12)
    for _ in range(2000):
        n = rng.randint(1, 25)
        labels = [rng.randint(0, n) for _ in range(n)]
        old = [person_id(rng.randint(1, n)) for _ in range(n)]
        roots = [f"m{rng.randint(0, n):03d}" for _ in range(n)]
        keys = [f"m{i:03d}" for i in range(n)]
        assert assign_ids(labels, old, roots, keys, n + 5) == _reference(
            labels, old, roots, keys, n + 5
        )
