"""Route × role rows for public data releases from the browser (issue 5).

A permitted POST sends a threshold out of range, so the matrix checks the 422 without
writing a release; /releases/{id} of an id that does not exist is 404 for every role
that may make releases.
"""

from __future__ import annotations

from tests.web.route_rows import Row

ROWS: tuple[Row, ...] = (
    Row("GET", "/releases", 303, 403, 200, 200, 200),
    Row(
        "POST",
        "/releases",
        401,
        403,
        422,
        422,
        422,
        form={"threshold": "0", "format": "csv"},
    ),
    Row(
        "GET",
        "/releases/{release_id}.zip",
        303,
        403,
        404,
        404,
        404,
        url="/releases/000000000000000000000000.zip",
    ),
    Row(
        "GET",
        "/releases/{release_id}",
        303,
        403,
        404,
        404,
        404,
        url="/releases/000000000000000000000000",
    ),
)
