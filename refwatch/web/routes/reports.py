"""Reports: the list (newest first, by source and date) and a report's page.

A report's text is shown only with `reports.text`, and the name a report gives only with
`names.view`; each such read is logged. Analysts see the structured report: source,
dates, the person it is linked to and the events it claims.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from refwatch.domain.dates import parse_optional_date
from refwatch.domain.errors import DateError, InputError
from refwatch.intake.attachments import (
    download_name,
    inert_media_type,
    list_attachments,
    read_attachment,
)
from refwatch.intake.reports import ReportFilter, report_detail, report_page
from refwatch.intake.sources import source_rows
from refwatch.persons.report_reading import open_report
from refwatch.web import evidence_format  # noqa: F401 (registers template helpers)
from refwatch.web.deps import Page, audit_name_read, get_cipher, get_workspace
from refwatch.web.responses import download, or_404, page_count, pager_query
from refwatch.web.roles import ReportsText, ReportsView
from refwatch.web.templating import gettext, render

router = APIRouter(include_in_schema=False)
# Attachments are read like report text: researchers and admins; others get 404.
PAGE_SIZE = 50


def parse_report_filter(params: Any) -> ReportFilter:
    """Filters from query fields; DateError when a date is not EDTF."""
    start = parse_optional_date(params.get("from"))
    end = parse_optional_date(params.get("to"))
    return ReportFilter(
        source=(params.get("source") or "").strip() or None,
        reported_from=start.earliest if start else None,
        reported_to=end.latest if end else None,
        include_superseded=params.get("all") in ("1", "on", "true"),
    )


@router.get("/reports", response_class=HTMLResponse)
def reports_list(request: Request, user: ReportsView, page: Page = 1) -> Response:
    error = None
    try:
        chosen = parse_report_filter(request.query_params)
    except DateError:
        chosen, error = ReportFilter(), gettext(request, "Write dates as EDTF, e.g. 2017-07.")
    page = max(page, 1)
    with get_workspace(request).read() as conn:
        rows, total = report_page(conn, chosen, (page - 1) * PAGE_SIZE, PAGE_SIZE)
        all_sources = source_rows(conn)
    return render(
        request,
        "reports.html",
        {
            "reports": rows,
            "total": total,
            "page": page,
            "pages": page_count(total, PAGE_SIZE),
            "base_query": pager_query(request),
            "filter": chosen,
            "sources": all_sources,
            "error": error,
        },
        status_code=400 if error else 200,
    )


def found_report(request: Request, report_id: str) -> dict[str, Any]:
    """`report_detail` of the report, for its page and the API; 404 if there is none."""
    with get_workspace(request).read() as conn:
        return or_404(report_detail(conn, report_id))


@router.get("/reports/{report_id}", response_class=HTMLResponse)
def report_view(request: Request, report_id: str, user: ReportsView) -> Response:
    detail = found_report(request, report_id)
    report = detail["report"]
    cipher = get_cipher(request)
    opened = open_report(cipher, report, detail["mention"], may_read_text=user.can("reports.text"))
    shown = opened.shown
    attachments = []
    if user.can("reports.text"):
        with get_workspace(request).read() as conn:
            try:
                attachments = list_attachments(conn, report.id, cipher)
            except InputError:  # an id not of new_id's form holds no attachment
                attachments = []
        shown += sum(1 for a in attachments if a.file_name)
    if shown:
        audit_name_read(request, "report page", shown, report.id)
    context = {**detail, "text": opened.text, "names": opened.names, "attachments": attachments}
    return render(request, "report.html", context)


@router.get("/reports/{report_id}/attachments/{attachment_id}")
def report_attachment(
    request: Request, report_id: str, attachment_id: str, user: ReportsText
) -> Response:
    """One attachment as a download: never shown inline, never sniffed, and a type that
    could run script (text/html, image/svg+xml) is served as application/octet-stream.
    A GET changes nothing but the audit trail (`attachment.read`)."""
    cipher = get_cipher(request)
    if cipher is None:
        raise HTTPException(404)
    try:
        info, data = read_attachment(
            get_workspace(request),
            cipher,
            attachment_id,
            actor=user.actor,
            via=request.url.path,
            report_id=report_id,
        )
    except InputError:
        raise HTTPException(404) from None
    return download(data, inert_media_type(info.media_type), download_name(info))
