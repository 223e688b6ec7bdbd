"""The route × role matrix: what every route answers to each role.

One row per (method, path) of the app's router; `test_route_matrix.py` builds the list of
routes from the app itself, so a route added without a row here fails, and so does a row
whose route is gone. Rows run in order against a workspace holding the sample case list
(tests/conftest.py), a spare user and a spare token; each request comes from a fresh
session of the role, with a valid CSRF token on state-changing requests (CSRF itself is
tested in test_csrf.py).

`url` is the address tried (default: the path); placeholders are filled from the ids of
that workspace: {user_id} and {token_id} (the spare user and their token), and
{person_id}, {report_id}, {source_id}, {mention_id}, {event_id}, {group_id},
{observation_id} (the first of each). `form` / `json` is the body sent.

Statuses: anonymous browsers asking for a page get 303 to the sign-in form; anonymous API
calls get 401. A signed-in role refused gets 404 where the object's existence is
confidential (persons, reports, sources), else 403.
"""

from __future__ import annotations

from tests.web.route_rows import Row

WRONG_PASSWORD = {"current_password": "not-the-password-0"}

CORE: tuple[Row, ...] = (
    # -- sign-in and one's own account (web engineer A) ----------------------------------
    Row("GET", "/sign-in", 200, 303, 303, 303, 303),
    Row(
        "POST",
        "/sign-in",
        401,
        401,
        401,
        401,
        401,
        form={"username": "nobody", "password": "wrong-password-0"},
    ),
    Row("GET", "/sign-in/code", 303, 303, 303, 303, 303),
    Row("POST", "/sign-in/code", 303, 303, 303, 303, 303, form={"code": "000000"}),
    Row("GET", "/account", 303, 200, 200, 200, 200),
    Row(
        "POST",
        "/account/password",
        401,
        400,
        400,
        400,
        400,
        form={**WRONG_PASSWORD, "new_password": "x" * 12, "new_password_again": "x" * 12},
    ),
    Row(
        "POST",
        "/account/totp",
        401,
        400,
        400,
        400,
        400,
        form={"secret": "JBSWY3DPEHPK3PXPJBSWY3DP", "code": "000000"},
    ),
    Row("POST", "/account/totp/disable", 401, 400, 400, 400, 400, form=WRONG_PASSWORD),
    # Only the owner revokes a token here; the spare user's is another's: 404 to everyone.
    Row(
        "POST",
        "/account/tokens/{token_id}/revoke",
        401,
        404,
        404,
        404,
        404,
        url="/account/tokens/{token_id}/revoke",
    ),
    Row("POST", "/sign-out", 303, 303, 303, 303, 303),
    # -- admin: users and tokens (web engineer A) -----------------------------------------
    Row("GET", "/users", 303, 403, 403, 403, 200),
    Row(
        "POST",
        "/users",
        401,
        403,
        403,
        403,
        303,
        form={"username": "made-by-matrix", "role": "viewer", "password": "matrix-password-1"},
    ),
    Row(
        "POST",
        "/users/{user_id}/role",
        401,
        403,
        403,
        403,
        303,
        url="/users/{user_id}/role",
        form={"role": "analyst"},
    ),
    # Before the password reset, which revokes the spare user's tokens (issue 17).
    Row(
        "POST",
        "/users/tokens/{token_id}/revoke",
        401,
        403,
        403,
        403,
        303,
        url="/users/tokens/{token_id}/revoke",
    ),
    Row(
        "POST",
        "/users/{user_id}/password",
        401,
        403,
        403,
        403,
        303,
        url="/users/{user_id}/password",
        form={"password": "spare-new-password-1"},
    ),
    Row(
        "POST",
        "/users/{user_id}/tokens",
        401,
        403,
        403,
        403,
        200,
        url="/users/{user_id}/tokens",
        form={"role": "viewer", "label": "matrix"},
    ),
    Row(
        "POST", "/users/{user_id}/disable", 401, 403, 403, 403, 303, url="/users/{user_id}/disable"
    ),
    Row("POST", "/users/{user_id}/enable", 401, 403, 403, 403, 303, url="/users/{user_id}/enable"),
    Row("GET", "/permissions", 303, 403, 403, 403, 200),
    # -- status and the API's own account answers (web engineer A) ------------------------
    Row("GET", "/status", 303, 200, 200, 200, 200),
    # -- health checks answer anyone, with no data (tests/web/test_health.py) ------------
    Row("GET", "/healthz", 200, 200, 200, 200, 200),
    Row("GET", "/readyz", 200, 200, 200, 200, 200),
    Row("GET", "/api/v1/status", 401, 200, 200, 200, 200),
    Row("GET", "/api/v1/me", 401, 200, 200, 200, 200),
    Row("GET", "/api/v1/openapi.json", 200, 200, 200, 200, 200),
    # -- pages and API of web engineer B: add rows below ----------------------------------
    # dashboard (anyone signed in) and the Vega interpreter module (a public asset)
    Row("GET", "/", 303, 200, 200, 200, 200),
    Row("GET", "/dashboard/apprehensions.json", 303, 200, 200, 200, 200),
    Row("GET", "/dashboard/map.json", 303, 200, 200, 200, 200),
    Row("GET", "/static/vega-interpreter.js", 200, 200, 200, 200, 200),
    # persons: viewers may not know a person exists (404); name search needs names.view
    Row("GET", "/persons", 303, 404, 200, 200, 200),
    Row("POST", "/persons", 401, 404, 404, 200, 200, form={"q": "Gim"}),
    Row("GET", "/persons.csv", 303, 404, 200, 200, 200),
    Row("GET", "/persons/{person_id}", 303, 404, 200, 200, 200, url="/persons/{person_id}"),
    # intake: researchers and admins enter evidence
    Row("GET", "/intake", 303, 403, 403, 200, 200),
    Row(
        "POST",
        "/intake/report",
        401,
        403,
        403,
        303,
        303,
        form={
            "source": "Matrix source",
            "reported_on": "2017-08-01",
            "text": "matrix report",
            "m0_name_latin": "Matrix Person",
            "m0_apprehended_on": "2017-07",
            "m0_status": "detained",
        },
    ),
    Row("GET", "/intake/batches/{batch_id}", 303, 403, 403, 404, 404, url="/intake/batches/none"),
    Row("POST", "/intake/upload", 401, 403, 403, 400, 400),
    Row("POST", "/intake/upload/commit", 401, 403, 403, 410, 410, form={"token": "expired"}),
    # sources and reports: confidential objects (404 when refused)
    Row("GET", "/sources", 303, 404, 200, 200, 200),
    Row("GET", "/sources/{source_id}", 303, 404, 200, 200, 200, url="/sources/{source_id}"),
    Row(
        "POST",
        "/sources/{source_id}/reliability",
        401,
        403,
        403,
        303,
        303,
        url="/sources/{source_id}/reliability",
        form={"grade": "B"},
    ),
    Row(
        "POST",
        "/sources/{source_id}/contact",
        401,
        404,
        404,
        303,
        303,
        url="/sources/{source_id}/contact",
        form={"contact": "matrix contact"},
    ),
    Row("GET", "/reports", 303, 404, 200, 200, 200),
    Row("GET", "/reports/{report_id}", 303, 404, 200, 200, 200, url="/reports/{report_id}"),
    # Attachments are read like report text (researchers, admins); this id exists nowhere.
    Row(
        "GET",
        "/reports/{report_id}/attachments/{attachment_id}",
        303,
        404,
        404,
        404,
        404,
        url="/reports/{report_id}/attachments/" + "0" * 32,
    ),
    # context observations
    Row("GET", "/context", 303, 403, 200, 200, 200),
    Row("GET", "/context/observations.json", 303, 403, 200, 200, 200),
    Row(
        "POST",
        "/context/observations",
        401,
        403,
        403,
        303,
        303,
        form={
            "source": "Matrix source",
            "observed_on": "2017-06",
            "kind": "other",
            "description": "matrix observation",
        },
    ),
    # audit trail (admins)
    Row("GET", "/audit", 303, 403, 403, 403, 200),
    # the evidence API
    Row("GET", "/api/v1/persons", 401, 404, 200, 200, 200),
    Row("POST", "/api/v1/persons/search", 401, 404, 404, 200, 200, json={"q": "Gim"}),
    Row(
        "GET",
        "/api/v1/persons/{person_id}",
        401,
        404,
        200,
        200,
        200,
        url="/api/v1/persons/{person_id}",
    ),
    Row("GET", "/api/v1/events", 401, 404, 200, 200, 200),
    Row("GET", "/api/v1/reports", 401, 404, 200, 200, 200),
    Row(
        "GET",
        "/api/v1/reports/{report_id}",
        401,
        404,
        200,
        200,
        200,
        url="/api/v1/reports/{report_id}",
    ),
    Row("GET", "/api/v1/sources", 401, 404, 200, 200, 200),
    Row("GET", "/api/v1/counts", 401, 200, 200, 200, 200),
    # person edits with optimistic locking (issue 7: tests/web/test_person_edits.py)
    Row(
        "GET",
        "/api/v1/persons/{person_id}/pin",
        401,
        404,
        200,
        200,
        200,
        url="/api/v1/persons/{person_id}/pin",
    ),
    Row(
        "PATCH",
        "/api/v1/persons/{person_id}",
        401,
        403,
        403,
        200,
        200,
        url="/api/v1/persons/{person_id}",
        json={"version": 1, "status": "returned", "as_of": "2017-08", "reason": "matrix pin"},
    ),
)

# Rows of later rooms live beside their tests, one module each, so they can grow apart.
from tests.web.route_matrix_alerts import ROWS as ALERTS_ROWS  # noqa: E402
from tests.web.route_matrix_casefiles import ROWS as CASEFILES_ROWS  # noqa: E402
from tests.web.route_matrix_claims import ROWS as CLAIMS_ROWS  # noqa: E402
from tests.web.route_matrix_counts import ROWS as COUNTS_ROWS  # noqa: E402
from tests.web.route_matrix_estimates import ROWS as ESTIMATES_ROWS  # noqa: E402
from tests.web.route_matrix_linkage import ROWS as LINKAGE_ROWS  # noqa: E402
from tests.web.route_matrix_releases import ROWS as RELEASES_ROWS  # noqa: E402
from tests.web.route_matrix_share import ROWS as SHARE_ROWS  # noqa: E402

EXPECTED: tuple[Row, ...] = (
    CORE
    + LINKAGE_ROWS
    + COUNTS_ROWS
    + RELEASES_ROWS
    + ESTIMATES_ROWS
    + CASEFILES_ROWS
    + SHARE_ROWS
    + ALERTS_ROWS
    + CLAIMS_ROWS
)
