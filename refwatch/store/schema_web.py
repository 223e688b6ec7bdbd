"""Tables of the web room: users, roles, sessions and API tokens."""

from __future__ import annotations

from refwatch.store.schema import Base

__all__ = ["Base"]
