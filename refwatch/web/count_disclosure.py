"""What a role may ask of the counting engine and see of its answers: one rule for every
surface that shows counts (the counts page and its chart, `/api/v1/counts`, ledger
entries, the dashboard's tiles, chart and map).

- Naming a source (a `source` filter or a breakdown by source) needs `sources.view`, as
  listing sources does.
- Putting a number in the ledger needs `factsheets.make` (the counts page's button): a
  role that may not press the button writes no ledger entry through the API either.
- Roles that may not read persons (viewers) see numbers as the public fact sheet shows
  them: every number below the disclosure threshold (5) and non-zero is hidden, with
  complementary suppression across a breakdown and its total
  (`refwatch.publish.disclosure.suppress_count`). They may read a ledger entry only when
  it names no source they could not name themselves and holds no such small number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from refwatch.counting import CountResult
from refwatch.publish.disclosure import (
    DEFAULT_THRESHOLD,
    PublicCell,
    has_small_numbers,
    suppress_count,
)
from refwatch.web.deps import User

THRESHOLD = DEFAULT_THRESHOLD
SOURCE_REFUSED = "Counting by a named source needs the right to read sources."


def may_name_sources(user: User) -> bool:
    return user.can("sources.view")


def names_a_source(source: str | None, by: list[str] | tuple[str, ...] | None) -> bool:
    return bool(source) or "source" in (by or ())


def may_record(user: User) -> bool:
    return user.can("factsheets.make")


def hides_small_numbers(user: User) -> bool:
    return not user.can("persons.view")


def shown_numbers(user: User, result: CountResult) -> tuple[PublicCell, list[PublicCell]]:
    """The total and the cells of `result` as `user` may see them."""
    cells = [(tuple(map(str, c.key)), c.at_least, c.at_most) for c in result.cells]
    if not hides_small_numbers(user):
        total = PublicCell(("(total)",), result.at_least, result.at_most)
        return total, [PublicCell(k, low, high) for k, low, high in cells]
    return suppress_count((result.at_least, result.at_most), cells, THRESHOLD)


def may_read_entry(user: User, entry: dict[str, Any]) -> bool:
    """Whether `user` may open the ledger entry `entry` (as `read_entry` gives it)."""
    query = entry.get("query") or {}
    if names_a_source(query.get("source"), query.get("by")) and not may_name_sources(user):
        return False
    if not hides_small_numbers(user):
        return True
    numbers: list[int | None] = [entry.get("at_least"), entry.get("at_most")]
    for cell in (entry.get("numbers") or {}).get("cells") or []:
        if isinstance(cell, dict):
            numbers += [cell.get("at_least"), cell.get("at_most")]
    return not has_small_numbers(numbers, THRESHOLD)


# -- the dashboard: the same rule for its tiles, its chart and its map --------------------


def shown_status_counts(user: User, counts: list[Any], total: int) -> list[Any]:
    """The status tiles (objects with `status`, `persons`, `conflicting`). For a viewer a
    small tile is left empty (persons and conflicting None), with one more tile hidden if
    a lone hidden one could be worked out from the total shown above them."""
    if not hides_small_numbers(user):
        return counts
    cells = [((str(c.status.value),), c.persons, c.persons) for c in counts]
    _total, shown = suppress_count((total, total), cells, THRESHOLD)
    return [
        _Tile(c.status, None, None) if cell.suppressed else c
        for c, cell in zip(counts, shown, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class _Tile:
    status: Any
    persons: int | None
    conflicting: int | None


def shown_months(user: User, months: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Apprehensions per month (the chart): a viewer's small months have no numbers."""
    if not hides_small_numbers(user):
        return months
    return [
        {**m, "at_least": None, "at_most": None}
        if has_small_numbers([m["at_least"], m["at_most"]], THRESHOLD)
        else m
        for m in months
    ]


def shown_map(user: User, points: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The map's places and facilities: a viewer sees no point for fewer than THRESHOLD
    persons (a dot on a county is itself a number), and no small "still held" figure."""
    if not hides_small_numbers(user):
        return points
    out: dict[str, Any] = {}
    for kind, rows in points.items():
        kept = []
        for point in rows:
            if has_small_numbers([point["persons"]], THRESHOLD):
                continue
            held = point.get("held")
            kept.append({**point, "held": None} if has_small_numbers([held], THRESHOLD) else point)
        out[kind] = kept
    return out
