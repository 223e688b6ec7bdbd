"""Workspace status (counts and the audit chain check) and who the caller is."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from refwatch import __version__
from refwatch.store.stats import workspace_stats
from refwatch.web.deps import API_ERRORS, get_workspace
from refwatch.web.roles import AccountSelf, CountsView, DashboardView
from refwatch.web.templating import render

router = APIRouter()


class Me(BaseModel):
    username: str
    role: str
    via: str
    permissions: list[str]


@router.get("/status", response_class=HTMLResponse, include_in_schema=False)
def status_page(request: Request, user: DashboardView) -> Response:
    workspace = get_workspace(request)
    return render(
        request,
        "status.html",
        {
            "stats": workspace_stats(workspace),
            "chain": workspace.verify_audit(),
            "version": __version__,
        },
    )


@router.get("/api/v1/status", tags=["workspace"], responses=API_ERRORS)
def status_api(request: Request, user: CountsView) -> dict[str, Any]:
    """How much the workspace holds, and whether its audit chain verifies."""
    workspace = get_workspace(request)
    return {**workspace_stats(workspace), "audit": workspace.verify_audit().as_dict()}


@router.get("/api/v1/me", tags=["account"], response_model=Me, responses=API_ERRORS)
def me(user: AccountSelf) -> Me:
    """The account the request is signed in as, its role and what that role may do."""
    from refwatch.accounts.permissions import granted

    return Me(
        username=user.username,
        role=user.role.value,
        via=user.via,
        permissions=sorted(granted(user.role)),
    )
