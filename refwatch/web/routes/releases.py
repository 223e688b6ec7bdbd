"""Public data releases from the browser: aggregated tables with disclosure control.

Why: the same release `refwatch publish` writes (`refwatch.publish.release.publish`):
tables by month, place, status, sex and age band with small cells suppressed (and their
complements, so a hidden cell cannot be recovered from the totals), as CSV with HXL
hashtags, JSON and a SQLite file ready for Datasette, every number in the ledger. The
page offers the aggregated tables only: the person-level table (re-keyed, coarsened,
k-anonymous or refused) stays a deliberate act on the command line, where `--persons`
must be typed. Each release is saved, listed and audited by the same functions as the
command line's (`refwatch.publish.artifacts`) and downloaded as one zip, an attachment
that is never cached.
"""

from __future__ import annotations

import io
import zipfile
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from refwatch.counting.query import make_query
from refwatch.domain.errors import DateError, InputError
from refwatch.publish import artifacts
from refwatch.publish.disclosure import DEFAULT_THRESHOLD
from refwatch.web.deps import get_workspace
from refwatch.web.responses import download, or_404
from refwatch.web.roles import FactsheetsMake
from refwatch.web.routes.counts import engine_message
from refwatch.web.routes.factsheets import check_public_threshold, checked_threshold
from refwatch.web.templating import gettext, render

router = APIRouter(include_in_schema=False)

FORMATS = ("csv", "json", "sqlite")


def _page(
    request: Request,
    values: dict[str, Any],
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "releases.html",
        {
            "values": values,
            "error": error,
            "formats": FORMATS,
            "releases": artifacts.recent_releases(get_workspace(request)),
            "default_threshold": DEFAULT_THRESHOLD,
        },
        status_code=status_code,
    )


@router.get("/releases", response_class=HTMLResponse)
def releases_page(request: Request, user: FactsheetsMake) -> Response:
    """The form, and the releases made lately."""
    return _page(request, {"threshold": str(DEFAULT_THRESHOLD), "formats": list(FORMATS)})


def _checked(request: Request, values: dict[str, Any]) -> int:
    """The threshold; InputError/DateError for anything else wrong, before anything is made."""
    threshold = checked_threshold(request, values["threshold"])
    if not values["formats"] or any(f not in FORMATS for f in values["formats"]):
        raise InputError(gettext(request, "Choose at least one format: CSV, JSON or SQLite."))
    make_query(
        period_from=values["from"] or None,
        period_to=values["to"] or None,
        as_of=values["as_of"] or None,
    )
    return threshold


@router.post("/releases", response_class=HTMLResponse)
def make_release(
    request: Request,
    user: FactsheetsMake,
    period_from: Annotated[str, Form(alias="from", max_length=200)] = "",
    period_to: Annotated[str, Form(alias="to", max_length=200)] = "",
    as_of: Annotated[str, Form(max_length=200)] = "",
    threshold: Annotated[str, Form(max_length=10)] = "",
    formats: Annotated[list[str] | None, Form(alias="format")] = None,
) -> Response:
    """Make and save the release as `refwatch publish` does, then show it."""
    values: dict[str, Any] = {
        "from": period_from.strip(),
        "to": period_to.strip(),
        "as_of": as_of.strip(),
        "threshold": threshold.strip(),
        "formats": [f.strip() for f in (formats or [])][: len(FORMATS) * 2],
    }
    try:
        limit = _checked(request, values)
        check_public_threshold(request, user, limit)
    except PermissionError as exc:
        return _page(request, values, error=str(exc), status_code=403)
    except (InputError, DateError) as exc:
        return _page(request, values, error=engine_message(request, exc), status_code=422)
    try:
        saved = artifacts.make_release(
            get_workspace(request),
            period_from=values["from"] or None,
            period_to=values["to"] or None,
            as_of=values["as_of"] or None,
            threshold=limit,
            formats=values["formats"],
            actor=user.actor,
        )
    except (InputError, DateError) as exc:
        return _page(request, values, error=engine_message(request, exc), status_code=422)
    return RedirectResponse(f"/releases/{saved.info['id']}", status_code=303)


def _opened(request: Request, release_id: str) -> dict[str, Any]:
    return or_404(artifacts.load_release(get_workspace(request), release_id))


# The download comes before the page so "/releases/<id>.zip" is never read as an id.
@router.get("/releases/{release_id}.zip")
def release_zip(request: Request, release_id: str, user: FactsheetsMake) -> Response:
    """Every file of the release in one zip."""
    release = _opened(request, release_id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, name in artifacts.release_files(get_workspace(request), release):
            archive.write(path, arcname=f"refwatch-release-{release['id'][:8]}/{name}")
    return download(
        buffer.getvalue(), "application/zip", f"refwatch-release-{release['id'][:8]}.zip"
    )


@router.get("/releases/{release_id}", response_class=HTMLResponse)
def release_page(request: Request, release_id: str, user: FactsheetsMake) -> Response:
    """What the release holds: files, suppressed cells, ledger entries, the download."""
    return render(request, "releases_one.html", {"release": _opened(request, release_id)})
