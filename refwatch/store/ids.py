"""Record ids: 128-bit, time-ordered (a UUIDv7 layout) so that B-tree indexes on SQLite
and PostgreSQL grow at their right edge instead of at random pages, which keeps bulk
imports fast. The random part (74 bits) keeps ids unguessable across records."""

from __future__ import annotations

import secrets
import time


def new_id() -> str:
    millis = time.time_ns() // 1_000_000
    rand = secrets.randbits(74)
    value = (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (rand >> 62) << 64 | 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return f"{value:032x}"
