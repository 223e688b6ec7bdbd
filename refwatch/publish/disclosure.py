"""Disclosure control for public tables: small cells hidden, and hidden cells kept hidden.

Why: a public table saying "1 person from Musan county, detained in March" can point at a
family. So every cell with a published number below a threshold (default 5; both bounds
are published, so either bound being small and non-zero is enough) is **suppressed**:
its numbers are left out and the cell is marked. A single suppressed cell in a row with a
published total could be recovered by subtraction, so **complementary suppression** hides
a second cell of every group (a row or column and its total) that has exactly one hidden
member — the smallest non-zero one, or, failing that, any — and repeats until no group has
a lone hidden member.

Person-level tables pass a **k-anonymity check**: every combination of quasi-identifiers
(month, province, sex, age band, status, flags) must be shared by at least k persons, or
the export is refused.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from refwatch.domain.errors import RefWatchError

DEFAULT_THRESHOLD = 5
DEFAULT_K = 5
TOTAL = "(total)"


class DisclosureError(RefWatchError):
    """A release would disclose too much; the message says what to change."""


@dataclass
class PublicCell:
    """A cell of a public table: its labels, bounds, and whether it is suppressed."""

    key: tuple[str, ...]
    at_least: int
    at_most: int
    suppressed: bool = False
    reason: str = ""

    @property
    def shown_at_least(self) -> int | None:
        return None if self.suppressed else self.at_least

    @property
    def shown_at_most(self) -> int | None:
        return None if self.suppressed else self.at_most


@dataclass
class PublicTable:
    """Cells (including totals, whose keys contain TOTAL) and the groups that add up."""

    name: str
    dimensions: tuple[str, ...]
    cells: dict[tuple[str, ...], PublicCell]
    groups: list[list[tuple[str, ...]]] = field(default_factory=list)
    description: str = ""
    ledger_ids: list[str] = field(default_factory=list)

    def rows(self) -> list[PublicCell]:
        return list(self.cells.values())


def is_small(cell: PublicCell, threshold: int) -> bool:
    return any(0 < value < threshold for value in (cell.at_least, cell.at_most))


def suppress(table: PublicTable, threshold: int = DEFAULT_THRESHOLD) -> PublicTable:
    """Primary then complementary suppression, in place; returns the table."""
    if threshold < 1:
        raise DisclosureError("the suppression threshold must be at least 1")
    for cell in table.cells.values():
        if is_small(cell, threshold):
            cell.suppressed, cell.reason = True, f"below {threshold}"
    changed = True
    while changed:
        changed = False
        for group in table.groups:
            members = [table.cells[k] for k in group if k in table.cells]
            hidden = [c for c in members if c.suppressed]
            if len(hidden) != 1:
                continue
            shown = [c for c in members if not c.suppressed]
            if not shown:
                continue
            nonzero = [c for c in shown if c.at_most > 0 and TOTAL not in c.key]
            pool = nonzero or [c for c in shown if TOTAL not in c.key] or shown
            chosen = min(pool, key=lambda c: (c.at_most, c.at_least, c.key))
            chosen.suppressed, chosen.reason = True, "complementary"
            changed = True
    return table


def lone_hidden_groups(table: PublicTable) -> list[list[tuple[str, ...]]]:
    """Groups with exactly one suppressed member (should be none after `suppress`)."""
    out = []
    for group in table.groups:
        hidden = [k for k in group if k in table.cells and table.cells[k].suppressed]
        if len(hidden) == 1:
            out.append(group)
    return out


def rare_combinations(rows: Iterable[Sequence[Hashable]], k: int) -> int:
    """How many distinct quasi-identifier combinations fewer than k rows share."""
    counts = Counter(tuple(r) for r in rows)
    return sum(1 for n in counts.values() if n < k)


def check_k_anonymity(rows: Sequence[Sequence[Hashable]], k: int = DEFAULT_K) -> None:
    """Refuse (DisclosureError) when any combination is rarer than k."""
    if k < 2:
        raise DisclosureError("k-anonymity needs k of at least 2")
    rare = rare_combinations(rows, k)
    if rare:
        raise DisclosureError(
            f"refused: {rare} combination(s) of month, province, sex, age band, status and "
            f"flags are shared by fewer than {k} persons; publish the aggregated tables "
            "instead, or coarsen the period"
        )


def suppress_count(
    total: tuple[int, int],
    cells: Sequence[tuple[tuple[str, ...], int, int]] = (),
    threshold: int = DEFAULT_THRESHOLD,
) -> tuple[PublicCell, list[PublicCell]]:
    """A count and its breakdown as the public fact sheet would show them: every number
    below `threshold` (and non-zero) hidden, and one more cell hidden wherever a lone
    hidden one could be worked out from the total. Returns (total, cells)."""
    width = len(cells[0][0]) if cells else 1
    total_key = (TOTAL,) * width
    table = PublicTable(
        "count",
        tuple(f"d{i}" for i in range(width)),
        {key: PublicCell(key, low, high) for key, low, high in cells},
    )
    table.cells[total_key] = PublicCell(total_key, *total)
    if cells:
        table.groups.append([key for key, _, _ in cells] + [total_key])
    suppress(table, threshold)
    return table.cells.pop(total_key), list(table.cells.values())


def has_small_numbers(numbers: Iterable[int | None], threshold: int = DEFAULT_THRESHOLD) -> bool:
    """True when any number is below `threshold` and non-zero (what `suppress` hides)."""
    return any(value is not None and 0 < value < threshold for value in numbers)
