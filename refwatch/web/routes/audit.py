"""The audit trail for admins: entries newest first, filtered by actor, action and date,
and the result of checking the whole chain (`Workspace.verify_audit`) on every visit."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import and_, func, select

from refwatch.domain.dates import parse_optional_date
from refwatch.domain.errors import DateError
from refwatch.store.schema import AuditEntry, table_of
from refwatch.web import evidence_format  # noqa: F401 (registers template helpers)
from refwatch.web.deps import Page, get_workspace
from refwatch.web.responses import page_count, pager_query
from refwatch.web.roles import AuditView
from refwatch.web.templating import gettext, render

router = APIRouter(include_in_schema=False)
entries = table_of(AuditEntry)
PAGE_SIZE = 100


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    user: AuditView,
    actor: str = "",
    action: str = "",
    page: Page = 1,
) -> Response:
    params = request.query_params
    error = None
    conditions = []
    if actor.strip():
        conditions.append(entries.c.actor == actor.strip())
    if action.strip():
        conditions.append(entries.c.action.startswith(action.strip(), autoescape=True))
    try:
        start = parse_optional_date(params.get("from"))
        end = parse_optional_date(params.get("to"))
    except DateError:
        start = end = None
        error = gettext(request, "Write dates as EDTF, e.g. 2017-07 or 2024-05-01.")
    if start is not None:
        conditions.append(entries.c.at >= start.earliest.isoformat())
    if end is not None:
        conditions.append(entries.c.at < f"{end.latest.isoformat()}~")
    page = max(page, 1)
    workspace = get_workspace(request)
    with workspace.read() as conn:
        where = and_(*conditions) if conditions else None
        count_query = select(func.count()).select_from(entries)
        list_query = select(entries).order_by(entries.c.seq.desc())
        if where is not None:
            count_query = count_query.where(where)
            list_query = list_query.where(where)
        total = int(conn.execute(count_query).scalar_one())
        rows = list(conn.execute(list_query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
        actors = list(
            conn.execute(select(entries.c.actor).distinct().order_by(entries.c.actor)).scalars()
        )
    chain = workspace.verify_audit()
    return render(
        request,
        "audit.html",
        {
            "entries": rows,
            "total": total,
            "page": page,
            "pages": page_count(total, PAGE_SIZE),
            "base_query": pager_query(request),
            "chain": chain,
            "actors": actors,
            "error": error,
        },
        status_code=400 if error else 200,
    )
