"""For admins: the permission table, and which rule decides each role and permission."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from refwatch.accounts.permissions import PERMISSIONS, RULES, explain
from refwatch.domain.roles import Role
from refwatch.web.roles import PermissionsDebug
from refwatch.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/permissions", response_class=HTMLResponse)
def permissions_page(request: Request, user: PermissionsDebug) -> Response:
    roles = list(Role)
    table = [(PERMISSIONS[name], [explain(role, name) for role in roles]) for name in PERMISSIONS]
    return render(request, "permissions.html", {"roles": roles, "table": table, "rules": RULES})
