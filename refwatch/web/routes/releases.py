"""Public data releases from the browser: aggregated tables with disclosure control.

Why: the same release `refwatch publish` writes (`refwatch.publish.release.publish`):
tables by month, place, status, sex and age band with small cells suppressed (and their
complements, so a hidden cell cannot be recovered from the totals), as CSV with HXL
hashtags, JSON and a SQLite file ready for Datasette, every number in the ledger. The
page offers the aggregated tables only: the person-level table (re-keyed, coarsened,
k-anonymous or refused) stays a deliberate act on the command line, where `--persons`
must be typed. Each release is written once to `releases/<random id>/` in the workspace
folder (owner-only) and downloaded as one zip, an attachment that is never cached.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from refwatch.counting.query import make_query
from refwatch.domain.errors import DateError, InputError
from refwatch.publish.disclosure import DEFAULT_THRESHOLD
from refwatch.publish.release import publish
from refwatch.store import audit
from refwatch.store.workspace import Workspace
from refwatch.web.deps import User, get_workspace, require
from refwatch.web.routes.counts import engine_message
from refwatch.web.routes.factsheets import check_public_threshold, checked_threshold
from refwatch.web.templating import gettext, render

router = APIRouter(include_in_schema=False)
Maker = Annotated[User, Depends(require("factsheets.make"))]

FOLDER = "releases"
META = "release.json"
RELEASE_ID = re.compile(r"^[0-9a-f]{24}$")
FORMATS = ("csv", "json", "sqlite")
LISTED = 20


def releases_root(workspace: Workspace) -> Path:
    return workspace.path / FOLDER


def load_release(workspace: Workspace, release_id: str) -> dict[str, Any] | None:
    if not RELEASE_ID.match(release_id):
        return None
    meta = releases_root(workspace) / release_id / META
    if not meta.is_file():
        return None
    data = json.loads(meta.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else None


def recent_releases(workspace: Workspace) -> list[dict[str, Any]]:
    root = releases_root(workspace)
    if not root.is_dir():
        return []
    found = [load_release(workspace, folder.name) for folder in root.iterdir()]
    listed = [r for r in found if r is not None]
    listed.sort(key=lambda r: str(r["created_at"]), reverse=True)
    return listed[:LISTED]


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
            "releases": recent_releases(get_workspace(request)),
            "default_threshold": DEFAULT_THRESHOLD,
        },
        status_code=status_code,
    )


@router.get("/releases", response_class=HTMLResponse)
def releases_page(request: Request, user: Maker) -> Response:
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
    user: Maker,
    period_from: Annotated[str, Form(alias="from", max_length=200)] = "",
    period_to: Annotated[str, Form(alias="to", max_length=200)] = "",
    as_of: Annotated[str, Form(max_length=200)] = "",
    threshold: Annotated[str, Form(max_length=10)] = "",
    formats: Annotated[list[str] | None, Form(alias="format")] = None,
) -> Response:
    """Write the release with `publish` (as `refwatch publish` does), then show it."""
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
    workspace = get_workspace(request)
    release_id = secrets.token_hex(12)
    folder = releases_root(workspace) / release_id
    releases_root(workspace).mkdir(mode=0o700, exist_ok=True)
    folder.mkdir(mode=0o700)
    files = folder / "files"
    try:
        release = publish(
            workspace,
            files,
            period_from=values["from"] or None,
            period_to=values["to"] or None,
            as_of=values["as_of"] or None,
            threshold=limit,
            formats=tuple(dict.fromkeys(values["formats"])),
            actor=user.actor,
        )
    except (InputError, DateError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return _page(request, values, error=engine_message(request, exc), status_code=422)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    info = {
        "id": release_id,
        "from": values["from"],
        "to": values["to"],
        "as_of": values["as_of"] or None,
        "threshold": limit,
        "formats": list(dict.fromkeys(values["formats"])),
        "files": sorted(p.relative_to(files).as_posix() for p in release.files),
        "suppressed_cells": release.suppressed_cells,
        "ledger_ids": release.ledger_ids,
        "created_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "actor": user.actor,
    }
    (folder / META).write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    with workspace.write() as conn:
        audit.log(
            conn,
            user.actor,
            "publish.release",
            record_id=release_id,
            details={
                "from": info["from"],
                "to": info["to"],
                "threshold": limit,
                "suppressed_cells": release.suppressed_cells,
                "ledger_ids": release.ledger_ids,
            },
        )
    return RedirectResponse(f"/releases/{release_id}", status_code=303)


def _opened(request: Request, release_id: str) -> dict[str, Any]:
    release = load_release(get_workspace(request), release_id)
    if release is None:
        raise HTTPException(404)
    return release


# The download comes before the page so "/releases/<id>.zip" is never read as an id.
@router.get("/releases/{release_id}.zip")
def release_zip(request: Request, release_id: str, user: Maker) -> Response:
    """Every file of the release in one zip."""
    release = _opened(request, release_id)
    files = releases_root(get_workspace(request)) / str(release["id"]) / "files"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in release["files"]:
            path = files / str(name)
            if path.is_file() and path.resolve().is_relative_to(files.resolve()):
                archive.write(path, arcname=f"refwatch-release-{release['id'][:8]}/{name}")
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={
            "Content-Disposition": (
                f'attachment; filename="refwatch-release-{release["id"][:8]}.zip"'
            ),
            "Cache-Control": "no-store",
        },
    )


@router.get("/releases/{release_id}", response_class=HTMLResponse)
def release_page(request: Request, release_id: str, user: Maker) -> Response:
    """What the release holds: files, suppressed cells, ledger entries, the download."""
    return render(request, "releases_one.html", {"release": _opened(request, release_id)})
