"""Route × role rows for record linkage: run button, review queue, merges and splits (issue 4)."""

from __future__ import annotations

from tests.web.route_rows import Row

ROWS: tuple[Row, ...] = ()
