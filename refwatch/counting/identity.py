"""Which persons may be one human being, and which may be several: identity bounds.

Why: record linkage is not certain. A missed link leaves one human being as two persons,
and a count that takes persons as people then says "at least" one too many; a false link
makes two people one, and "at most" one too few. A documented count is a claim about
human beings, so its bounds must hold over identity as well as over dates:

- **at least** counts persons that are *certainly distinct*: two persons joined by a
  stored pair that the latest linkage run scored at least `plausible` (or by a chain of
  such pairs) may be one human being, so they count once — unless a reviewer said "not
  the same" of the two mentions. One person of the group that certainly matches the
  question is evidence of one human being; the others of the group may be that same
  human being, so the group counts once.
- **at most** counts persons that are *possibly distinct*: a person whose mentions are
  held together only by links scored below `sure` could be several human beings; it
  counts as the number of pieces its sure links (and "same person" decisions) leave.

The thresholds are rules, not knobs of one count: they are part of `RULES_VERSION` and
the snapshot hash, and `benchmarks/count_bounds_study.py` justifies their values (see
docs/counting.md). Mentions that no linkage run has seen are their own persons, with no
pairs: until linkage runs, the bounds cannot see their duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped]

from refwatch.counting.evidence import PLAUSIBLE, SURE, Codes, Evidence

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Identity:
    """Per person (indexed like `Evidence.person_ids`):

    `group[i]`: the smallest person index of the group of persons that may be one human
    being with person i (i itself when it stands alone); `pieces[i]`: how many human
    beings person i may be (1 when every link inside it is sure).
    """

    group: IntArray
    pieces: IntArray
    plausible: float
    sure: float
    alone: npt.NDArray[np.bool_] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Most persons share their group with nobody: they are counted without a sort.
        sizes = np.bincount(self.group, minlength=len(self.group))
        object.__setattr__(self, "alone", sizes[self.group] == 1)

    def distinct(self, persons: npt.NDArray[np.bool_]) -> int:
        """How many of these persons are certainly distinct human beings."""
        shared = persons & ~self.alone
        alone = int(np.count_nonzero(persons & self.alone))
        if not shared.any():
            return alone
        return alone + int(np.count_nonzero(np.bincount(self.group[shared])))

    def most(self, persons: npt.NDArray[np.bool_]) -> int:
        """How many human beings these persons may be."""
        return int(self.pieces[persons].sum())

    def distinct_by_cell(self, cell: Codes, person: Codes, cells: int) -> IntArray:
        """Per cell code: certainly distinct human beings among (cell, person) rows."""
        if len(cell) == 0:
            return np.zeros(cells, dtype=np.int64)
        alone = self.alone[person]
        counts = np.bincount(cell[alone], minlength=cells).astype(np.int64)
        if alone.all():
            return counts
        n = len(self.group)
        shared = ~alone
        keys = np.unique(cell[shared].astype(np.int64) * n + self.group[person[shared]])
        return counts + np.bincount(keys // n, minlength=cells).astype(np.int64)

    def most_by_cell(self, cell: Codes, person: Codes, cells: int) -> IntArray:
        """Per cell code: how many human beings the (cell, person) rows may be."""
        weights = self.pieces[person].astype(np.float64)
        return np.bincount(cell, weights=weights, minlength=cells).round().astype(np.int64)


@dataclass(frozen=True)
class Width:
    """Where the distance between "at least" and "at most" comes from.

    `facts`: persons who possibly but not certainly match (dates, places, ages allow it);
    `may_be_same`: persons who certainly match but may be the same human being as another
    counted person; `may_be_several`: extra human beings the possibly matching persons may
    be, where the links that hold them together are uncertain.
    """

    certain_persons: int
    possible_persons: int
    may_be_same: int
    may_be_several: int

    @property
    def facts(self) -> int:
        return self.possible_persons - self.certain_persons

    def as_dict(self) -> dict[str, int]:
        return {
            "certain_persons": self.certain_persons,
            "possible_persons": self.possible_persons,
            "facts": self.facts,
            "may_be_same": self.may_be_same,
            "may_be_several": self.may_be_several,
        }


def _components(n: int, a: IntArray, b: IntArray) -> IntArray:
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    # Name each component by its smallest member, so groups are stable and readable.
    smallest = np.full(int(labels.max()) + 1, n, dtype=np.int64)
    np.minimum.at(smallest, labels, np.arange(n, dtype=np.int64))
    return np.asarray(smallest[labels], dtype=np.int64)


def build_identity(ev: Evidence, plausible: float = PLAUSIBLE, sure: float = SURE) -> Identity:
    """Groups of persons that may be one, and pieces persons may fall into."""
    n = ev.persons
    person = ev.m_person.astype(np.int64)
    pa, pb = person[ev.x_a], person[ev.x_b]
    between = (pa != pb) & (ev.x_p >= plausible)
    left, right = pa[between], pb[between]
    if len(ev.diff_a) and len(left):
        # A reviewer's "not the same" between two persons' mentions keeps them apart.
        da, db = person[ev.diff_a], person[ev.diff_b]
        forbidden = np.unique(np.minimum(da, db) * n + np.maximum(da, db))
        keys = np.minimum(left, right) * n + np.maximum(left, right)
        allowed = ~np.isin(keys, forbidden)
        left, right = left[allowed], right[allowed]
    group = _components(n, left, right)

    m = len(person)
    inside = (pa == pb) & (ev.x_p >= sure)
    sa, sb = ev.same_a.astype(np.int64), ev.same_b.astype(np.int64)
    joined = person[sa] == person[sb]
    # A link no run made holds its mention to the person's first mention.
    held = np.flatnonzero(ev.m_held)
    first = np.full(n, m, dtype=np.int64)
    np.minimum.at(first, person[held], held)
    piece = _components(
        m,
        np.concatenate([ev.x_a[inside].astype(np.int64), sa[joined], held]),
        np.concatenate([ev.x_b[inside].astype(np.int64), sb[joined], first[person[held]]]),
    )
    if m:
        # Pieces of a person: distinct piece labels among its mentions.
        keys = np.unique(person * m + piece)
        pieces = np.bincount(keys // m, minlength=n).astype(np.int64)
    else:
        pieces = np.zeros(n, dtype=np.int64)
    pieces = np.maximum(pieces, 1)
    return Identity(group=group, pieces=pieces, plausible=plausible, sure=sure)
