"""Capture histories: how many people each combination of lists saw.

Why one small type: every estimator here (log-linear, LCMCR) and every source of
histories (a CSV a researcher brings, the linked persons of a workspace) meet in
`CaptureTable`.  Cell `h` of `counts` holds the number of people seen by exactly the
lists whose bits are set in `h` (bit `j` is `lists[j]`); cell 0, the people no list
saw, is what is being estimated and is always 0 here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt

from refwatch.estimate import messages
from refwatch.estimate.errors import EstimationError

IntArray = npt.NDArray[np.int64]
COUNT_COLUMN = "count"
MAX_LISTS = 15


@dataclass(frozen=True)
class CaptureTable:
    """Counts of the 2^t - 1 observable capture histories of t lists."""

    lists: tuple[str, ...]
    counts: IntArray

    def __post_init__(self) -> None:
        t = len(self.lists)
        if self.counts.shape != (1 << t,):
            raise EstimationError(f"a table of {t} lists needs {1 << t} cells")
        if int(self.counts[0]) != 0:
            raise EstimationError("the history seen by no list cannot have a count")
        if (self.counts < 0).any():
            raise EstimationError("counts cannot be negative")

    @property
    def t(self) -> int:
        return len(self.lists)

    @property
    def n(self) -> int:
        """People seen by at least one list."""
        return int(self.counts.sum())

    def list_sizes(self) -> dict[str, int]:
        return {name: self.on_all(1 << j) for j, name in enumerate(self.lists)}

    def on_all(self, mask: int) -> int:
        """People seen by every list in `mask` (whatever else saw them)."""
        return int(self.marginals[mask])

    @cached_property
    def marginals(self) -> IntArray:
        """For every set of lists, the people seen by all of them (a superset-sum)."""
        sums = self.counts.copy()
        for j in range(self.t):
            bit = 1 << j
            cells = np.arange(1 << self.t)
            without = cells[(cells & bit) == 0]
            sums[without] += sums[without | bit]
        return sums

    def overlap(self, i: int, j: int) -> int:
        return self.on_all((1 << i) | (1 << j))

    def rows(self) -> list[dict[str, int]]:
        """One row per observed history, in the CSV layout (list columns, then count)."""
        out = []
        for h in range(1, 1 << self.t):
            if self.counts[h]:
                row = {name: (h >> j) & 1 for j, name in enumerate(self.lists)}
                row[COUNT_COLUMN] = int(self.counts[h])
                out.append(row)
        return out

    def to_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, [*self.lists, COUNT_COLUMN], lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows())
        return buffer.getvalue()

    def merged(self, groups: Sequence[Sequence[str]]) -> CaptureTable:
        """A table whose lists are unions of these lists (a person on any member is on it)."""
        index = {name: j for j, name in enumerate(self.lists)}
        seen = [name for group in groups for name in group]
        if sorted(seen) != sorted(self.lists):
            raise EstimationError("merging must use every list exactly once")
        names = tuple("+".join(group) for group in groups)
        counts = np.zeros(1 << len(groups), dtype=np.int64)
        for h in range(1, 1 << self.t):
            if self.counts[h]:
                new = 0
                for g, group in enumerate(groups):
                    if any((h >> index[name]) & 1 for name in group):
                        new |= 1 << g
                counts[new] += self.counts[h]
        return CaptureTable(names, counts)

    @classmethod
    def from_histories(
        cls, lists: Sequence[str], histories: Iterable[tuple[Sequence[int], int]]
    ) -> CaptureTable:
        """Build from (0/1 membership per list, count) pairs; repeated histories add up."""
        names = tuple(lists)
        if len(set(names)) != len(names):
            raise EstimationError("two lists have the same name")
        if len(names) > MAX_LISTS:
            raise EstimationError(code=messages.TOO_MANY_LISTS, params={"n": MAX_LISTS})
        counts = np.zeros(1 << len(names), dtype=np.int64)
        for flags, count in histories:
            h = 0
            for j, flag in enumerate(flags):
                if flag:
                    h |= 1 << j
            if h == 0:
                if count:
                    raise EstimationError(
                        "a row has no list marked but a count: people seen by no list "
                        "cannot be counted, only estimated"
                    )
                continue
            counts[h] += count
        return cls(names, counts)

    @classmethod
    def from_mapping(cls, lists: Sequence[str], cells: Mapping[str, int]) -> CaptureTable:
        """Build from {"1010": count, ...}: one character per list, in `lists` order."""
        return cls.from_histories(
            lists, (([int(c) for c in key], value) for key, value in cells.items())
        )


def read_histories_csv(path: Path) -> CaptureTable:
    """Read a CSV with one 0/1 column per list and a `count` column.

    Histories without a row have count 0; repeated histories are added up.  Errors name
    the row and column, as the importers do.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise EstimationError(f"{path.name}: cannot read the file ({exc.strerror})") from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [c.strip() for c in (reader.fieldnames or [])]
    if COUNT_COLUMN not in header:
        raise EstimationError(f"{path.name}: needs a '{COUNT_COLUMN}' column")
    lists = [c for c in header if c != COUNT_COLUMN]
    if not lists:
        raise EstimationError(f"{path.name}: needs one 0/1 column per list")
    histories: list[tuple[list[int], int]] = []
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        flags = []
        for name in lists:
            if row.get(name) not in {"0", "1"}:
                raise EstimationError(
                    f"{path.name}, row {number}, column {name!r}: expected 0 or 1 "
                    f"(value {row.get(name)!r})"
                )
            flags.append(int(row[name]))
        try:
            count = int(row[COUNT_COLUMN])
        except ValueError:
            count = -1
        if count < 0:
            raise EstimationError(
                f"{path.name}, row {number}, column 'count': expected a whole number "
                f"(value {row[COUNT_COLUMN]!r})"
            )
        histories.append((flags, count))
    return CaptureTable.from_histories(lists, histories)
