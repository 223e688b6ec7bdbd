"""The `refwatch casefile` command: dossiers for UN special procedures (see refwatch/publish)."""

from __future__ import annotations
