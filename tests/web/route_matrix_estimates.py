"""Route × role rows for estimates of the undocumented (issue 6)."""

from __future__ import annotations

from tests.web.route_rows import Row

ROWS: tuple[Row, ...] = ()
