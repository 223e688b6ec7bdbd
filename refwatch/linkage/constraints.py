"""Human decisions as constraints on rows: what every clustering of mentions must obey.

Why a module of its own: a linkage run, a read-only re-clustering and the counting
engine's identity bounds all need the active "same person" / "not the same" decisions as
pairs of rows of their own mention list, followed forward through corrections. Keeping it
here (and free of Splink and DuckDB) lets the counting room import it cheaply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from refwatch.linkage import decisions as decision_store
from refwatch.linkage.chains import Chains


@dataclass
class Constraints:
    same: list[tuple[int, int]]
    different: list[tuple[int, int]]
    must_rows: set[int]


def row_constraints(conn: Connection, mention_ids: Sequence[str], chains: Chains) -> Constraints:
    """Active decisions as pairs of rows of `mention_ids` (corrections followed forward)."""
    row_of = {mention_id: row for row, mention_id in enumerate(mention_ids)}
    result = Constraints([], [], set())
    for decision in decision_store.load(conn, active_only=True):
        if decision.kind == "skip":
            continue
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
