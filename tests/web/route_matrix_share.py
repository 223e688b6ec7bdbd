"""Route × role rows for the exchange pages (issue 16).

A permitted encode sends a secret too short, so the matrix checks the 422 without
encoding; a permitted link sends no file (422). An encoding id that does not exist is
404 for admins, the only role that may make or download encodings.
"""

from __future__ import annotations

from tests.web.route_rows import Row

ROWS: tuple[Row, ...] = (
    Row("GET", "/share", 303, 403, 200, 200, 200),
    Row(
        "POST",
        "/share/encode",
        401,
        403,
        403,
        403,
        422,
        form={"organisation": "Org", "shared_secret": "short"},
    ),
    Row(
        "GET",
        "/share/encodings/{encoding_id}.jsonl",
        303,
        403,
        403,
        403,
        404,
        url="/share/encodings/000000000000000000000000.jsonl",
    ),
    Row(
        "GET",
        "/share/encodings/{encoding_id}",
        303,
        403,
        403,
        403,
        404,
        url="/share/encodings/000000000000000000000000",
    ),
    Row("POST", "/share/link", 401, 403, 422, 422, 422, form={"nothing": "x"}),
)
