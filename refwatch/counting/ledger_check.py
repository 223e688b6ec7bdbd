"""A ledger entry asked again on today's data: same numbers? which persons changed?

Why apart from `ledger`: recording is what every count does (`count` imports `ledger`);
checking runs a count (this module imports `count`), so keeping the two apart keeps the
imports one-way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from refwatch.counting.count import CountResult, run_query
from refwatch.counting.describe import bounds_text
from refwatch.counting.evidence import RULES_VERSION
from refwatch.counting.ledger import list_entries, read_entry, result_numbers
from refwatch.counting.query import CountQuery
from refwatch.domain.errors import InputError
from refwatch.store.workspace import Workspace


@dataclass(frozen=True)
class LedgerCheck:
    """A ledger entry next to what the same question gives today."""

    entry: dict[str, Any]
    now: CountResult
    same_snapshot: bool
    same_rules: bool
    same_numbers: bool
    added: list[str]
    removed: list[str]
    newly_certain: list[str]
    no_longer_certain: list[str]
    changed_cells: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "entry": self.entry,
            "now": result_numbers(self.now),
            "same_snapshot": self.same_snapshot,
            "same_rules": self.same_rules,
            "same_numbers": self.same_numbers,
            "persons_added": self.added,
            "persons_removed": self.removed,
            "newly_certain": self.newly_certain,
            "no_longer_certain": self.no_longer_certain,
            "changed_cells": self.changed_cells,
        }


def _cell_key(cell: dict[str, Any], dimensions: Sequence[str]) -> tuple[str, ...]:
    return tuple(str(cell[d]) for d in dimensions)


def ledger_show(workspace: Workspace, entry_id: str) -> LedgerCheck:
    """The entry, recomputed on today's data: same numbers? which persons changed?"""
    entry = read_entry(workspace, entry_id)
    if entry["kind"] not in ("count", "breakdown"):
        raise InputError(
            f"ledger entry {entry_id} is a {entry['kind']}; `ledger show` recomputes counts "
            "and breakdowns"
        )
    query = CountQuery.from_json(entry["query"])
    now = run_query(workspace, query)
    then_all = set(entry["certain"]) | set(entry["uncertain"])
    now_all = set(now.persons)
    then_certain, now_certain = set(entry["certain"]), set(now.certain_persons)
    dims = query.by
    before = {_cell_key(c, dims): c for c in entry["numbers"].get("cells", [])}
    after = {c.key: c.as_dict(dims) for c in now.cells}
    changed = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        pair_old = (old or {}).get("at_least"), (old or {}).get("at_most")
        pair_new = (new or {}).get("at_least"), (new or {}).get("at_most")
        if pair_old != pair_new:
            changed.append({"cell": list(key), "then": list(pair_old), "now": list(pair_new)})
    same_numbers = (
        entry["at_least"] == now.at_least and entry["at_most"] == now.at_most and not changed
    )
    return LedgerCheck(
        entry=entry,
        now=now,
        same_snapshot=entry["snapshot_hash"] == now.snapshot_hash,
        same_rules=entry["rules_version"] == RULES_VERSION,
        same_numbers=same_numbers,
        added=sorted(now_all - then_all),
        removed=sorted(then_all - now_all),
        newly_certain=sorted(now_certain - then_certain),
        no_longer_certain=sorted(then_certain - now_certain),
        changed_cells=changed,
    )


def still_holds(workspace: Workspace, entry: dict[str, Any]) -> bool | None:
    """Whether today's data gives an entry's numbers again (None: an estimate, which only
    `ledger show` re-runs, or a question today's data cannot answer)."""
    if entry["kind"] not in ("count", "breakdown"):
        return None
    try:
        return ledger_show(workspace, entry["id"]).same_numbers
    except InputError:
        return None


def number_text(entry: dict[str, Any]) -> str:
    """An entry's number in the house wording: a count's bounds, or an estimate with its
    interval."""
    numbers = entry.get("numbers") or {}
    if entry["kind"] == "estimate" and numbers.get("estimate") is not None:
        level = round(100 * float(numbers.get("level") or 0.95))
        interval = ""
        if numbers.get("lower") is not None and numbers.get("upper") is not None:
            interval = (
                f" ({level}% interval {float(numbers['lower']):,.0f} to "
                f"{float(numbers['upper']):,.0f})"
            )
        return f"estimate {float(numbers['estimate']):,.0f}{interval}"
    if entry.get("at_least") is None or entry.get("at_most") is None:
        return "-"
    return bounds_text(int(entry["at_least"]), int(entry["at_most"]))


def ledger_listing(
    workspace: Workspace,
    *,
    kind: str | None = None,
    search: str | None = None,
    before: str | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """`ledger.list_entries`, each entry with `same_today` (see `still_holds`)."""
    entries = list_entries(workspace, kind=kind, search=search, before=before, limit=limit)
    return [
        {**entry, "same_today": still_holds(workspace, entry), "number": number_text(entry)}
        for entry in entries
    ]
