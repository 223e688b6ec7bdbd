"""The `refwatch share` commands (see refwatch/share)."""

from __future__ import annotations
