"""Route × role rows for counts and fact sheets (issue 5)."""

from __future__ import annotations

from tests.web.route_rows import Row

ROWS: tuple[Row, ...] = ()
