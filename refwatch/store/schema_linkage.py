"""Tables of the linkage room: runs, saved settings and human decisions."""

from __future__ import annotations

from refwatch.store.schema import Base

__all__ = ["Base"]
