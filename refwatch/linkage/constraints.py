"""Human decisions as constraints on rows: what every clustering of mentions must obey.

Why a module of its own: a linkage run, a read-only re-clustering and the counting
engine's identity bounds all need the active "same person" / "not the same" decisions as
pairs of rows of their own mention list, followed forward through corrections. Keeping it
here (and free of Splink and DuckDB) lets the counting room import it cheaply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from refwatch.linkage import decisions as decision_store
from refwatch.linkage.chains import Chains


@dataclass
class Constraints:
    same: list[tuple[int, int]]
    different: list[tuple[int, int]]
    must_rows: set[int]


def rows_by_id(mention_ids: Iterable[str]) -> dict[str, int]:
    """Each mention id's row in the list (the order given)."""
    return {mention_id: row for row, mention_id in enumerate(mention_ids)}


def row_constraints(
    conn: Connection, mention_ids: Sequence[str] | Mapping[str, int], chains: Chains
) -> Constraints:
    """Active decisions as pairs of rows of `mention_ids` (corrections followed forward).

    `mention_ids` may be the map from id to row already made (`rows_by_id`): at a million
    mentions making it again costs half a second, and most workspaces hold few decisions,
    so a list is mapped only when there is a decision to place."""
    result = Constraints([], [], set())
    active = [d for d in decision_store.load(conn, active_only=True) if d.kind != "skip"]
    if not active:
        return result
    row_of = mention_ids if isinstance(mention_ids, Mapping) else rows_by_id(mention_ids)
    for decision in active:
        a = row_of.get(chains.current_of(decision.mention_a))
        b = row_of.get(chains.current_of(decision.mention_b))
        if a is None or b is None or a == b:
            continue
        if decision.kind == "same":
            result.same.append((a, b))
            result.must_rows.update((a, b))
        else:
            result.different.append((a, b))
    return result
