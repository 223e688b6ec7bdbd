"""One row of the route × role matrix (see route_matrix.py for what each field means)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    anonymous: int
    viewer: int
    analyst: int
    researcher: int
    admin: int
    url: str | None = None
    form: dict[str, str] | None = None
    json: Any = None

    def expected(self, role: str) -> int:
        return int(getattr(self, role))
