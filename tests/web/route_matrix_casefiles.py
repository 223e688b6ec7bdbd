"""Route × role rows for consent and case files on the person page (issue 14).

Both need `persons.view` first (a viewer gets 404, as for the person page), then
`consent.write` / `casefiles.make` (an analyst gets 403). A permitted consent POST sends
a level that does not exist (400, nothing written); a permitted case-file POST asks for
the first person of the sample list, who has no consent recorded: refused (403).
"""

from __future__ import annotations

from tests.web.route_rows import Row

ROWS: tuple[Row, ...] = (
    Row(
        "POST",
        "/persons/{person_id}/consent",
        401,
        404,
        403,
        400,
        400,
        url="/persons/{person_id}/consent",
        form={"level": "whatever", "basis": "b"},
    ),
    Row(
        "POST",
        "/persons/{person_id}/casefile",
        401,
        404,
        403,
        403,
        403,
        url="/persons/{person_id}/casefile",
        form={"kind": "wgad", "format": "pdf"},
    ),
)
