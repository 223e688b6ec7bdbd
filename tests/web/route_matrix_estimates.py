"""Route × role rows for estimates of the undocumented (issue 6).

The matrix workspace holds the sample case list (two sources, nobody linked across them),
so a permitted POST gets the page with the library's refusal (fewer than three lists):
200, and nothing is written to the ledger.
"""

from __future__ import annotations

from tests.web.route_rows import Row

ROWS: tuple[Row, ...] = (
    Row("GET", "/estimates", 303, 403, 200, 200, 200),
    Row(
        "POST",
        "/estimates",
        401,
        403,
        200,
        200,
        200,
        form={"lists": "source", "method": "loglinear", "interval": "profile", "seed": "1"},
    ),
    # The API with a table in the body: estimated, nothing stored.
    Row(
        "POST",
        "/api/v1/estimates",
        401,
        403,
        200,
        200,
        200,
        json={
            "histories": [
                {"A": 1, "B": 0, "C": 0, "count": 30},
                {"A": 0, "B": 1, "C": 0, "count": 25},
                {"A": 0, "B": 0, "C": 1, "count": 20},
                {"A": 1, "B": 1, "C": 0, "count": 8},
                {"A": 1, "B": 0, "C": 1, "count": 6},
                {"A": 0, "B": 1, "C": 1, "count": 5},
                {"A": 1, "B": 1, "C": 1, "count": 2},
            ],
            "interval": "profile",
        },
    ),
)
