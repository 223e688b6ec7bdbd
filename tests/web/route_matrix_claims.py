"""Route × role rows for pasting text and for other organisations' claims (issue 15).

Pasting and accepting need `evidence.write` (researchers and admins): a permitted post
with no text, or an accept with no source, is 422. The claims list needs `context.view`
(analysts and above); recording or removing a claim `context.write`: a permitted add with
no source is 422, removing a claim that does not exist 404.
"""

from __future__ import annotations

from tests.web.route_rows import Row

ROWS: tuple[Row, ...] = (
    Row("GET", "/extract", 303, 403, 403, 200, 200),
    Row("POST", "/extract", 401, 403, 403, 422, 422, form={"text": "", "source": "Org"}),
    Row("POST", "/extract/accept", 401, 403, 403, 422, 422, form={"source": ""}),
    Row("GET", "/claims", 303, 403, 200, 200, 200),
    Row("POST", "/claims", 401, 403, 403, 422, 422, form={"source": "", "number": "x"}),
    Row(
        "POST",
        "/claims/{claim_id}/delete",
        401,
        403,
        403,
        404,
        404,
        url="/claims/no-such-claim/delete",
    ),
)
