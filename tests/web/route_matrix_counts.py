"""Route × role rows for counts and fact sheets (issue 5).

Every signed-in role reads counts and ledger entries (figures only for viewers); recording
a count and making fact sheets need `factsheets.make` (analysts and above). The fact-sheet
form is posted with an impossible date here, so the matrix checks the refusal and the
422 without drawing a PDF for every role; tests/web/test_factsheet_pages.py makes real ones.
Unknown ledger entries and fact sheets answer 404 to every role that may open them.
"""

from __future__ import annotations

from tests.web.route_rows import Row

ROWS: tuple[Row, ...] = (
    Row("GET", "/counts", 303, 200, 200, 200, 200),
    Row(
        "GET",
        "/counts/chart.json",
        303,
        200,
        200,
        200,
        200,
        url="/counts/chart.json?event=apprehension&from=2017-07&to=2017-08",
    ),
    Row("POST", "/counts/ledger", 401, 403, 303, 303, 303, form={"event": "apprehension"}),
    Row("GET", "/ledger/{entry_id}", 303, 404, 404, 404, 404, url="/ledger/L-999999"),
    Row("GET", "/ledger", 303, 200, 200, 200, 200),
    Row("GET", "/factsheets", 303, 403, 200, 200, 200),
    Row(
        "POST",
        "/factsheets",
        401,
        403,
        422,
        422,
        422,
        form={"from": "2017-13", "to": "2017-09-30", "edition": "public", "threshold": "5"},
    ),
    Row(
        "GET",
        "/factsheets/{sheet_id}",
        303,
        403,
        404,
        404,
        404,
        url="/factsheets/0123456789abcdef01234567",
    ),
    Row(
        "GET",
        "/factsheets/{sheet_id}.pdf",
        303,
        403,
        404,
        404,
        404,
        url="/factsheets/0123456789abcdef01234567.pdf",
    ),
    Row(
        "POST",
        "/factsheets/{sheet_id}/delete",
        401,
        403,
        404,
        404,
        404,
        url="/factsheets/0123456789abcdef01234567/delete",
    ),
    Row(
        "GET",
        "/factsheets/{sheet_id}.html",
        303,
        403,
        404,
        404,
        404,
        url="/factsheets/0123456789abcdef01234567.html",
    ),
)
