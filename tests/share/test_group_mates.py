"""Group-mates must not be merged: the over-linking the name-conflict rule fixes.

People caught together share the apprehension month, day and place, often the origin,
the birth year and the outcome; only their names differ. The match model compares each
field as if independent of the others given a non-match, so for a group-mate every one
of those agreements counted as fresh evidence and their sum outweighed the names: on the
tuning worlds of 800 persons most false merges were such pairs (sound keys sharing under
55% of their bits). Here a world made only of such groups is split between two
organisations, each holding 60%: a person held by one organisation only has a group-mate
in the other that agrees on everything but the name, and must stay alone.
"""

from __future__ import annotations

import random

import numpy as np

from refwatch.linkage.names import name_features
from refwatch.share.encoding import (
    PersonTokens,
    day_tokens,
    default_schema,
    hangul_tokens,
    month_tokens,
    name_tokens,
    outcome_tokens,
    year_tokens,
)
from refwatch.share.model import COMPARISONS, CUTS, comparison_sizes, name_conflict
from refwatch.simulate.names import generate_name
from tests.share.conftest import exchange_between_two

SECRET = b"the group-mate test's shared secret"


def _world(
    rng: random.Random, groups: int, size: int, alone: int
) -> tuple[list[PersonTokens], list[str]]:
    """`groups` groups of `size` persons that agree on everything but the name, and
    `alone` persons caught alone (without them the model would see that group-mates are
    common among the candidates and weigh the shared fields down); each name unique."""
    people: list[PersonTokens] = []
    names: list[str] = []
    seen: set[str] = set()
    for group in range(groups + alone):
        size_here = size if group < groups else 1
        day = rng.randint(736_000, 737_500)
        year = rng.randint(1960, 2000)
        sex = rng.choice("FM")
        origin = f"p:{rng.randint(1, 9)}"
        place = f"a:{rng.randint(1, 6)}"
        syllables: set[str] = set()
        for _ in range(size_here):
            # Group-mates share no syllable: their names differ plainly (a family caught
            # together shares a family name, and stays a harder case this test leaves).
            name = generate_name(rng, sex)
            while name in seen or syllables & set(name):
                name = generate_name(rng, sex)
            seen.add(name)
            syllables |= set(name)
            keys = name_features(name, None)
            t = PersonTokens()
            # Half the persons carry Hangul, half only the romanised sound key.
            t.add("name", name_tokens(keys.phonetic, keys.phonetic_rev))
            if rng.random() < 0.5:
                t.add("hangul", hangul_tokens(keys.hangul))
            t.add("birth", year_tokens(year, year))
            t.add("sex", [sex])
            t.add("origin", [origin])
            t.add("month", month_tokens(day, day))
            t.add("day", day_tokens(day, day))
            t.add("place", [place])
            t.add("outcome", outcome_tokens("returned", day + 60, day + 60))
            people.append(t)
            names.append(name)
    return people, names


def test_group_mates_with_different_names_are_not_merged() -> None:
    rng = random.Random(16)
    people, names = _world(rng, groups=40, size=4, alone=500)
    result, truth = exchange_between_two(people, rng, SECRET)
    clusters = result.clusters
    wrong = [
        (names[truth[a]], names[truth[b]])
        for a in range(len(truth))
        for b in np.flatnonzero(clusters == clusters[a]).tolist()
        if a < b and truth[a] != truth[b]
    ]
    right = sum(
        1
        for a in range(len(truth))
        for b in np.flatnonzero(clusters == clusters[a]).tolist()
        if a < b and truth[a] == truth[b]
    )
    shared = len(truth) - len(set(truth))  # held by both organisations
    # 300 persons, 180 in each file, about 108 in both: about 72 persons of each file
    # have a group-mate, and no true self, in the other.
    assert wrong == [], f"{len(wrong)} group-mates merged, e.g. {wrong[:3]}"
    assert right >= 0.95 * shared, (right, shared)


def _code(name_level: int, hangul_level: int) -> np.ndarray:
    sizes = comparison_sizes(default_schema())
    codes = np.zeros((1, len(sizes)), dtype=np.int32)
    codes[0, 0] = name_level * (len(CUTS["hangul"]) + 2) + hangul_level
    return codes


def test_only_plainly_different_names_conflict() -> None:
    """The rule takes the sound key's last level only, and yields to Hangul that agrees
    (a list may write a known Hangul name in an unusual romanisation)."""
    schema = default_schema()
    assert COMPARISONS[0][1] == ("name", "hangul")
    worst = len(CUTS["name"]) + 1
    assert name_conflict(_code(worst, 0), schema).tolist() == [True]  # no Hangul on a side
    assert name_conflict(_code(worst, 3), schema).tolist() == [True]  # Hangul differs too
    assert name_conflict(_code(worst, 1), schema).tolist() == [False]  # Hangul identical
    assert name_conflict(_code(worst, 2), schema).tolist() == [False]  # Hangul close
    assert name_conflict(_code(worst - 1, 0), schema).tolist() == [False]  # names only far
    assert name_conflict(_code(0, 0), schema).tolist() == [False]  # a name missing
