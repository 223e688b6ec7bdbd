"""The fact sheet: headline numbers as sentences with bounds, charts, tables, a map, notes.

Why: researchers hand a fact sheet to journalists and diplomats. Every number in it comes
from `count_persons`, is written as "at least N (up to M)", and carries a footnote to its
number-ledger entry, so anyone can later ask `refwatch ledger show` whether it still
holds. The internal edition adds the urgent-action list (persons whose records end in
detention, by pseudonymous id); the public edition has no ids, shows places as provinces
and passes every table through disclosure control. HTML and PDF (WeasyPrint) are written
side by side, with charts as SVG rendered offline.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from refwatch.counting import count_persons, trend
from refwatch.counting.claims_check import claim_query
from refwatch.counting.count import CountResult, run_query
from refwatch.counting.days import NEG, POS, from_day, month_number, month_start, to_day
from refwatch.counting.describe import FLAG_PHRASES, bounds_text, width_text
from refwatch.counting.query import CountQuery, make_query, status_day
from refwatch.counting.snapshot import load_snapshot
from refwatch.counting.urgent import HeldRule, urgent_list
from refwatch.domain.errors import InputError
from refwatch.gazetteer import load_gazetteer
from refwatch.intake.claims import list_claims
from refwatch.publish import charts
from refwatch.publish.disclosure import (
    DEFAULT_THRESHOLD,
    TOTAL,
    PublicCell,
    PublicTable,
    is_small,
    suppress,
)
from refwatch.store.stats import is_synthetic
from refwatch.store.workspace import Workspace

URGENT_ROWS = 100
"""The urgent-action list shows this many persons; the rest are counted, not listed."""


@dataclass
class FactSheet:
    html: Path
    pdf: Path
    ledger_ids: list[str]
    public: bool
    headlines: list[str] = field(default_factory=list)
    other_sources: list[str] = field(default_factory=list)


class _Notes:
    def __init__(self) -> None:
        self.ids: list[str] = []

    def add(self, result: CountResult) -> int:
        assert result.ledger_id is not None
        self.ids.append(result.ledger_id)
        return len(self.ids)


def _shown(result: CountResult, public: bool, threshold: int) -> str:
    if public and is_small(PublicCell((), result.at_least, result.at_most), threshold):
        if result.at_most < threshold:
            return f"fewer than {threshold} (exact number withheld)"
        return f"up to {result.at_most} (lower bound withheld)"
    return bounds_text(result.at_least, result.at_most)


def _label(dimension: str, value: str) -> str:
    gazetteer = load_gazetteer()
    if dimension in ("place", "province") and value in gazetteer:
        return gazetteer.get(value).name_latin
    if dimension == "flag":
        return FLAG_PHRASES.get(value, value)
    return value


def _table(
    result: CountResult,
    total: CountResult | None,
    dimension: str,
    public: bool,
    threshold: int,
) -> PublicTable:
    cells = {c.key: PublicCell(c.key, c.at_least, c.at_most) for c in result.cells}
    groups: list[list[tuple[str, ...]]] = []
    if total is not None:
        cells[(TOTAL,)] = PublicCell((TOTAL,), total.at_least, total.at_most)
        groups = [list(cells)]
    table = PublicTable(dimension, (dimension,), cells, groups)
    return suppress(table, threshold) if public else table


def _rows(table: PublicTable, dimension: str) -> list[dict[str, Any]]:
    return [
        {
            "label": "all" if cell.key[0] == TOTAL else _label(dimension, cell.key[0]),
            "at_least": cell.at_least,
            "at_most": cell.at_most,
            "suppressed": cell.suppressed,
            "reason": cell.reason,
        }
        for cell in table.rows()
    ]


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _urgent(workspace: Workspace, as_of: str) -> list[dict[str, str]]:
    """Persons whose records certainly end in detention as of the date (a published
    sheet names only whom the evidence proves held: `HeldRule.CERTAIN`), longest held
    first, as the sheet's table shows them."""
    gazetteer = load_gazetteer()
    day = from_day(make_query(as_of=as_of).as_of_day)
    rows = urgent_list(load_snapshot(workspace), day, rule=HeldRule.CERTAIN)
    out = []
    for row in rows:
        since = "unknown" if row.custody_from is None else row.custody_from.isoformat()
        if row.custody_from is not None and row.held_by is not None:
            since += "" if row.held_by == row.custody_from else f" to {row.held_by.isoformat()}"
        facilities = sorted(
            gazetteer.get(p).name_latin if p in gazetteer else p for p in row.facility_ids
        )
        last = "unknown" if row.last_confirmed is None else row.last_confirmed.isoformat()
        out.append(
            {
                "person": row.person_id,
                "since": since,
                "facility": "; ".join(facilities) or "unknown",
                "last_report": last + (" (unverified)" if row.unverified else ""),
            }
        )
    return out


def build_factsheet(
    workspace: Workspace,
    *,
    period_from: str | date,
    period_to: str | date,
    out_dir: Path,
    public: bool = False,
    as_of: str | date | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    actor: str = "library",
) -> FactSheet:
    """Write factsheet.html and factsheet.pdf to `out_dir`; every number goes to the ledger."""
    out_dir.mkdir(parents=True, exist_ok=True)
    base = make_query(event="detention", period_from=period_from, period_to=period_to)
    as_of_text = status_day(as_of, period_to)
    purpose = f"factsheet {base.period_text()} ({'public' if public else 'internal'})"

    def count(**query: Any) -> CountResult:
        return count_persons(workspace, record=True, actor=actor, purpose=purpose, **query)

    sheet = _Sheet(count, {"period_from": period_from, "period_to": period_to}, public, threshold)
    headlines = _headlines(sheet, base, period_from, as_of_text)
    after_return = _after_return(sheet, as_of_text)
    trend_line = _trend_line(workspace, base, public, threshold, actor, purpose, sheet.notes)
    monthly = sheet.count(event="detention", by="month", **sheet.period)
    month_table = _table(monthly, None, "month", public, threshold)
    monthly_note = sheet.notes.add(monthly)
    tables = _breakdown_tables(sheet, as_of_text)
    others = _other_sources(workspace, base, sheet, actor, purpose)
    urgent = [] if public else _urgent(workspace, as_of_text)
    environment = Environment(
        loader=PackageLoader("refwatch.publish", "templates"),
        autoescape=select_autoescape(["html"]),
    )
    html = environment.get_template("factsheet.html").render(
        title=f"Detentions of North Korean refugees in China, {base.period_text()}",
        edition="Public edition" if public else "Internal edition — not for publication",
        as_of=as_of_text,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        synthetic=is_synthetic(workspace),
        headlines=headlines,
        after_return=after_return,
        other_sources=others,
        trend=trend_line,
        charts=_charts(month_table, tables[-1]["table"]),
        monthly_note=monthly_note,
        tables=tables,
        urgent=None if public else urgent[:URGENT_ROWS],
        urgent_more=0 if public else max(0, len(urgent) - URGENT_ROWS),
        public=public,
        threshold=threshold,
        footnotes=sheet.notes.ids,
    )
    html_path = out_dir / "factsheet.html"
    html_path.write_text(html, encoding="utf-8")
    pdf_path = out_dir / "factsheet.pdf"
    from weasyprint import HTML  # type: ignore[import-untyped]

    HTML(string=html, base_url=str(out_dir)).write_pdf(pdf_path)
    return FactSheet(
        html_path,
        pdf_path,
        sheet.notes.ids,
        public,
        [h["text"] for h in headlines],
        [o["text"] for o in others],
    )


class _Sheet:
    """What every part of one fact sheet shares: the recording count, the period, the
    edition's disclosure rule and the footnotes."""

    def __init__(
        self,
        count: Callable[..., CountResult],
        period: dict[str, Any],
        public: bool,
        threshold: int,
    ) -> None:
        self.count = count
        self.period = period
        self.public = public
        self.threshold = threshold
        self.notes = _Notes()


def _headlines(
    sheet: _Sheet, base: Any, period_from: str | date, as_of_text: str
) -> list[dict[str, Any]]:
    headlines: list[dict[str, Any]] = []
    public, threshold, period = sheet.public, sheet.threshold, sheet.period

    def headline(result: CountResult, words: str) -> None:
        text = f"{_shown(result, public, threshold).capitalize()} {words}."
        shown = _shown(result, public, threshold) == bounds_text(result.at_least, result.at_most)
        why = width_text(result.width) if result.width is not None and shown else ""
        headlines.append({"text": text, "note": sheet.notes.add(result), "why": why})

    count = sheet.count
    span = base.period_text()
    headline(count(event="detention", **period), f"persons whose detention began ({span})")
    headline(count(event="detention", flags=["child"], **period), "of them children")
    headline(count(event="detention", flags=["older"], sex="F", **period), "of them older women")
    headline(
        count(event="detention", flags=["born_in_detention"], **period),
        "of them babies born in detention",
    )
    headline(
        count(event="return", period_from=period_from, period_to=as_of_text),
        f"forcibly returned between {from_day(base.start).isoformat()} and {as_of_text}",
    )
    headline(
        count(status="detained", as_of=as_of_text, event="detention", **period),
        f"still held as of {as_of_text}, as far as the records show",
    )
    return headlines


def _other_sources(
    workspace: Workspace, base: CountQuery, sheet: _Sheet, actor: str, purpose: str
) -> list[dict[str, Any]]:
    """Claims of other organisations about a period inside the fact sheet's, each beside our
    count for the same question (recorded in the ledger, footnoted). A claim cites its own
    published figure, never its sentence; our number passes the edition's disclosure rule
    like every other. A claim with an open period ("since July 2016") is left out: it
    cannot be said to be about this fact sheet's period."""
    with workspace.read() as conn:
        claims = list_claims(conn)
    lines: list[dict[str, Any]] = []
    for claim in claims:
        if claim.period_earliest is None or claim.period_latest is None:
            continue
        if to_day(claim.period_earliest) < base.start or to_day(claim.period_latest) > base.end:
            continue
        try:
            query = claim_query(claim)
        except InputError:
            continue  # an event our counts do not cover: nothing of ours to cite beside it
        result = run_query(workspace, query, record=True, actor=actor, purpose=purpose)
        ours = _shown(result, sheet.public, sheet.threshold)
        if ours == bounds_text(result.at_least, result.at_most):
            ours = (
                f"at least {result.at_least}, up to {result.at_most}"
                if result.at_most != result.at_least
                else f"at least {result.at_least}"
            )
        lines.append(
            {
                "text": f"Other sources: {claim.describe()} (our evidence: {ours})",
                "note": sheet.notes.add(result),
            }
        )
    return lines


def _after_return(sheet: _Sheet, as_of_text: str) -> list[dict[str, Any]]:
    """What became of the returned, as far as the records show: held in North Korea, or
    disappeared (issue 14: both states asked for "their present whereabouts and
    conditions"). Empty when no record of the period reports a fate after return."""
    lines: list[dict[str, Any]] = []
    for status, words in (
        (
            "held_in_dprk",
            "held in North Korea after their return (State Security, "
            "police holding centres, labour camps, kyohwaso or kwanliso)",
        ),
        ("disappeared", "disappeared after their return: no trace since"),
    ):
        result = sheet.count(status=status, as_of=as_of_text, event="detention", **sheet.period)
        if result.at_most == 0:
            continue
        shown = _shown(result, sheet.public, sheet.threshold).capitalize()
        text = f"{shown} {words}, as of {as_of_text}."
        lines.append({"text": text, "note": sheet.notes.add(result)})
    return lines


def _breakdown_tables(sheet: _Sheet, as_of_text: str) -> list[dict[str, Any]]:
    """Status, vulnerability and place tables; the place table comes last (the map)."""
    public, threshold = sheet.public, sheet.threshold
    tables: list[dict[str, Any]] = []
    total = sheet.count(event="detention", **sheet.period)
    sheet.notes.add(total)
    for dimension, title, query in (
        ("status", f"Status as of {as_of_text}", {"by": "status", "as_of": as_of_text}),
        ("flag", "Vulnerability (a person may have several)", {"by": "flag"}),
        (
            "province" if public else "place",
            "Where custody began" + (" (province)" if public else ""),
            {"by": "province" if public else "place"},
        ),
    ):
        result = sheet.count(event="detention", **sheet.period, **query)
        table = _table(result, None if dimension == "flag" else total, dimension, public, threshold)
        tables.append(
            {
                "title": title,
                "label": dimension.replace("_", " "),
                "rows": _rows(table, dimension),
                "note": "Persons whose detention began in the period.",
                "footnote": sheet.notes.add(result),
                "table": table,
            }
        )
    return tables


def _charts(month_table: PublicTable, place_table: PublicTable) -> dict[str, str]:
    """The monthly chart and the map, as data URIs, from the cells the edition shows."""
    chart_rows = [
        {"month": c.key[0], "at_least": c.at_least, "at_most": c.at_most}
        for c in month_table.rows()
        if not c.suppressed
    ]
    gazetteer = load_gazetteer()
    points = [
        {
            "lon": gazetteer.get(c.key[0]).lon,
            "lat": gazetteer.get(c.key[0]).lat,
            "at_most": c.at_most,
        }
        for c in place_table.rows()
        if not c.suppressed and c.key[0] in gazetteer
    ]
    return {
        "monthly": _data_uri(charts.monthly_chart(chart_rows, "Persons whose detention began")),
        "map": _data_uri(charts.place_map(points, "Where custody began (up to)")),
    }


def _trend_line(
    workspace: Workspace,
    base: Any,
    public: bool,
    threshold: int,
    actor: str,
    purpose: str,
    notes: _Notes,
) -> dict[str, Any] | None:
    """The last two months of the period against the twelve months before them."""
    if base.start <= NEG or base.end >= POS:
        return None
    last = month_number(from_day(base.end))
    first = max(last - 1, month_number(from_day(base.start)))
    if month_number(from_day(base.start)) > last - 3:
        return None
    result = trend(
        workspace,
        period_from=month_start(first),
        period_to=from_day(base.end),
        record=True,
        actor=actor,
        purpose=purpose,
    )
    if public and any(
        is_small(PublicCell((), r.at_least, r.at_most), threshold)
        for r in (result.current, result.year_before)
    ):
        return None
    note = notes.add(result.current)
    notes.add(result.year_before)
    notes.add(result.previous)
    return {"text": result.sentence()[0].upper() + result.sentence()[1:], "note": note}
