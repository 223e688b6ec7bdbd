"""Route × role rows for record linkage: run button, review queue, merges and splits (issue 4).

POST /linkage/run really starts a run for researchers and admins (on the matrix's sample
workspace; the app waits for it when it stops). The other state-changing rows send ids
that do not exist, so they are refused after the permission check: 400 for a decision
on unknown mentions or a merge with an unknown person, 404 for an unknown decision.
Merging and splitting need `persons.view` first (a viewer gets 404, as for the person
page), then `linkage.review` (an analyst gets 403).
"""

from __future__ import annotations

from tests.web.route_rows import Row

ROWS: tuple[Row, ...] = (
    Row("GET", "/linkage", 303, 403, 403, 200, 200),
    Row("GET", "/linkage/status", 303, 403, 403, 200, 200),
    Row("POST", "/linkage/run", 401, 403, 403, 303, 303),
    Row(
        "POST",
        "/linkage/decisions",
        401,
        403,
        403,
        400,
        400,
        form={"mention_a": "no-such-mention-a", "mention_b": "no-such-mention-b", "answer": "skip"},
    ),
    Row(
        "POST",
        "/linkage/decisions/{decision_id}/undo",
        401,
        403,
        403,
        404,
        404,
        url="/linkage/decisions/no-such-decision/undo",
    ),
    Row(
        "POST",
        "/persons/{person_id}/merge",
        401,
        404,
        403,
        400,
        400,
        url="/persons/{person_id}/merge",
        form={"other": "P-999999"},
    ),
    Row(
        "POST",
        "/persons/{person_id}/split",
        401,
        404,
        403,
        400,
        400,
        url="/persons/{person_id}/split",
        form={},
    ),
)
