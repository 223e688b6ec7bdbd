"""Tables of the ledger room: published numbers with their query, snapshot and persons."""

from __future__ import annotations

from refwatch.store.schema import Base

__all__ = ["Base"]
