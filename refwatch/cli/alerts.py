"""The `refwatch alerts` commands (see refwatch/alerts)."""

from __future__ import annotations
