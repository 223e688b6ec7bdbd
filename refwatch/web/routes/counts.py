"""The counts page, its chart data, the "record in the ledger" button and the ledger page.

Why a page over `count_persons` and not a second implementation: a number a researcher
reads here must be the number `refwatch count` prints and `/api/v1/counts` answers for the
same question, so this module only reads the form, calls the counting engine (the same
function, the same sentence from `describe`) and renders. Showing a number does not put
it in the ledger; the button does, like the CLI, because that is the number someone
decided to use. Persons behind a number are listed (pseudonymous ids linking to their
pages) only for roles that may read persons; viewers get the figures alone. Filtering or
breaking down by a named source needs `sources.view`, as listing sources does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from refwatch.counting import (
    DIMENSIONS,
    EVENTS,
    CountFilter,
    CountQuery,
    count_persons,
    ledger_show,
    trend,
)
from refwatch.counting.count import CountResult
from refwatch.counting.describe import sentence
from refwatch.counting.filters import FIELDS as FILTER_FIELDS
from refwatch.counting.ledger import read_entry
from refwatch.counting.query import AGE_BANDS, STATUS_VALUES
from refwatch.counting.trends import TrendResult
from refwatch.domain.enums import Flag, Sex, SourceType
from refwatch.domain.errors import DateError, InputError
from refwatch.gazetteer import load_gazetteer
from refwatch.store.schema import Source, table_of
from refwatch.store.workspace import Workspace
from refwatch.web import count_disclosure
from refwatch.web.count_sentence import (
    cell_text,
    localized_sentence,
    localized_trend_sentence,
    localized_width_text,
)
from refwatch.web.deps import User, get_workspace
from refwatch.web.i18n import FIELD_LABELS, error_text, language_of, message_text
from refwatch.web.roles import CountsView, FactsheetsMake
from refwatch.web.templating import gettext, render

router = APIRouter(include_in_schema=False)

MAX_FIELD = 200
MAX_PURPOSE = 300
PERSONS_SHOWN = 1000
SMALL_HIDDEN = (
    "This count is below 5. Numbers this small are not shown to your role, as on the "
    "public fact sheet: widen the question."
)
"""Ids listed under a count; the rest are counted ("and 12 more"), never silently cut."""
CHART_DIMENSIONS = ("month",)
ENGINE_ERRORS = (InputError, DateError)
sources_table = table_of(Source)


class FormError(Exception):
    """A form value the page refuses before asking the engine (with the status to answer)."""

    def __init__(self, message: str, status: int = 422, *, label: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.label = label
        """The field's (English) label when the message is "<label>: too long"."""

    def text(self, request: Request) -> str:
        """The message in the request's language."""
        if self.label is not None:
            return gettext(request, "%(field)s: too long", field=gettext(request, self.label))
        return message_text(request, str(self))


@dataclass(frozen=True)
class CountForm:
    """The counts form as sent: every filter of `refwatch count`, empty meaning "any"."""

    values: dict[str, str] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    by: tuple[str, ...] = ()
    trend: bool = False

    @classmethod
    def read(cls, fields: Mapping[str, str], flags: Iterable[str], by: Iterable[str]) -> CountForm:
        values: dict[str, str] = {}
        for name in FILTER_FIELDS.values():
            value = (fields.get(name) or "").strip()
            if len(value) > MAX_FIELD:
                label = FIELD_LABELS.get(name, name)
                raise FormError(f"{label}: too long", label=label)
            if value:
                values[name] = value
        clean_flags = tuple(dict.fromkeys(f.strip() for f in flags if f.strip()))
        clean_by = tuple(dict.fromkeys(b.strip() for b in by if b.strip()))
        if len(clean_flags) > len(Flag) or len(clean_by) > len(DIMENSIONS):
            raise FormError("too many values")
        return cls(values, clean_flags, clean_by, (fields.get("trend") or "") == "1")

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    @property
    def names_a_source(self) -> bool:
        return "source" in self.values or "source" in self.by

    def filters(self) -> CountFilter:
        """What to count, the one object `count_persons` takes (as the CLI builds it)."""
        return CountFilter.from_fields(self.values, self.flags)

    def items(self, *, with_trend: bool = True) -> list[tuple[str, str]]:
        """The form as (name, value) pairs: for links, hidden fields and the chart's URL."""
        pairs = list(self.values.items())
        pairs += [("flag", f) for f in self.flags]
        pairs += [("by", b) for b in self.by]
        if with_trend and self.trend:
            pairs.append(("trend", "1"))
        return pairs


def engine_message(request: Request, exc: Exception) -> str:
    """The engine's error in the request's language, its field named by the form's label
    (the engine names a field; the CLI shows it as an option, the page as a label)."""
    return error_text(request, exc)


def form_of_query(request: Request) -> CountForm:
    params = request.query_params
    fields = dict(params.items())
    return CountForm.read(fields, params.getlist("flag"), params.getlist("by"))


def check_source_permission(request: Request, user: User, form: CountForm) -> None:
    if form.names_a_source and not count_disclosure.may_name_sources(user):
        raise FormError(gettext(request, count_disclosure.SOURCE_REFUSED), 403)


def source_names(request: Request, user: User) -> list[str]:
    if not user.can("sources.view"):
        return []
    with get_workspace(request).read() as conn:
        return list(
            conn.execute(select(sources_table.c.name).order_by(sources_table.c.name)).scalars()
        )


def place_choices() -> list[str]:
    """Place names the gazetteer knows (any spelling it knows works too)."""
    return sorted({p.name_latin for p in load_gazetteer() if p.kind != "country"})


def cells_of(result: CountResult, user: User, lang: str = "en") -> list[dict[str, Any]]:
    """The breakdown's cells as `user` may see them (small numbers hidden for viewers),
    each labelled in the page's language (`count_sentence.cell_text`)."""
    dims = result.query.by
    _total, cells = count_disclosure.shown_numbers(user, result)
    return [
        {
            "key": cell.key,
            "labels": [cell_text(d, v, lang) for d, v in zip(dims, cell.key, strict=True)],
            "at_least": cell.shown_at_least,
            "at_most": cell.shown_at_most,
        }
        for cell in cells
    ]


def month_rows(result: CountResult) -> list[dict[str, Any]]:
    return [{"month": c.key[0], "at_least": c.at_least, "at_most": c.at_most} for c in result.cells]


def run_count(workspace: Workspace, form: CountForm, **extra: Any) -> CountResult:
    return count_persons(workspace, form.filters(), by=form.by or None, **extra)


def run_trend(workspace: Workspace, form: CountForm) -> TrendResult:
    """The CLI's `refwatch trend`: the same filters, no status and no breakdown."""
    return trend(workspace, replace(form.filters(), status=None, as_of=None))


def form_options(request: Request, user: User) -> dict[str, Any]:
    return {
        "events": EVENTS,
        "dimensions": DIMENSIONS
        if user.can("sources.view")
        else tuple(d for d in DIMENSIONS if d != "source"),
        "statuses": STATUS_VALUES,
        "sexes": [s.value for s in Sex],
        "age_bands": tuple(AGE_BANDS),
        "flag_values": [f.value for f in Flag],
        "source_types": [t.value for t in SourceType],
        "sources": source_names(request, user),
        "places": place_choices(),
    }


def _page(
    request: Request,
    user: User,
    form: CountForm,
    *,
    result: CountResult | None = None,
    trend_result: TrendResult | None = None,
    error: str | None = None,
    trend_error: str | None = None,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "form": form,
        "error": error,
        "trend_error": trend_error,
        "result": result,
        "trend": trend_result,
        "may_list": user.can("persons.view"),
        "may_record": count_disclosure.may_record(user),
        **form_options(request, user),
    }
    if result is not None:
        english = sentence(result.query, result.at_least, result.at_most)
        lang = language_of(request)
        context["sentence"] = localized_sentence(
            lang, result.query, result.at_least, result.at_most
        )
        context["sentence_lang"] = lang
        context["sentence_en"] = english if lang != "en" else None
        context["width_text"] = localized_width_text(lang, result.width)
        if trend_result is not None:
            english_trend = localized_trend_sentence("en", trend_result)
            context["trend_sentence"] = localized_trend_sentence(lang, trend_result)
            context["trend_sentence_en"] = english_trend if lang != "en" else None
        context["cells"] = cells_of(result, user, lang)
        context["dims"] = result.query.by
        if result.query.by == CHART_DIMENSIONS:
            context["chart_url"] = "/counts/chart.json?" + urlencode(form.items(with_trend=False))
        if user.can("persons.view"):
            certain = set(result.certain_persons)
            persons = result.persons
            context["persons"] = [(p, p in certain) for p in persons[:PERSONS_SHOWN]]
            context["persons_more"] = max(0, len(persons) - PERSONS_SHOWN)
            context["conflicted"] = result.conflicted
    return render(request, "counts.html", context, status_code=status_code)


@router.get("/counts", response_class=HTMLResponse)
def counts_page(request: Request, user: CountsView) -> Response:
    """The form and its answer: bounds, the sentence, a breakdown, a trend if asked."""
    try:
        form = form_of_query(request)
        check_source_permission(request, user, form)
    except FormError as exc:
        return _page(request, user, CountForm(), error=exc.text(request), status_code=exc.status)
    workspace = get_workspace(request)
    try:
        result = run_count(workspace, form)
    except ENGINE_ERRORS as exc:
        return _page(request, user, form, error=engine_message(request, exc), status_code=422)
    if count_disclosure.shown_numbers(user, result)[0].suppressed:
        return _page(request, user, form, error=gettext(request, SMALL_HIDDEN))
    if not form.trend:
        return _page(request, user, form, result=result)
    try:
        found = run_trend(workspace, form)
    except ENGINE_ERRORS as exc:
        message = engine_message(request, exc)
        return _page(request, user, form, result=result, trend_error=message, status_code=422)
    return _page(request, user, form, result=result, trend_result=found)


@router.get("/counts/chart.json")
def counts_chart(request: Request, user: CountsView) -> Response:
    """Per month, the bounds of the page's question (the chart's data; figures only)."""
    try:
        form = form_of_query(request)
        check_source_permission(request, user, form)
        result = count_persons(get_workspace(request), form.filters(), by="month")
        if count_disclosure.hides_small_numbers(user):
            _total, cells = count_disclosure.shown_numbers(user, result)
            rows = [
                {"month": c.key[0], "at_least": c.shown_at_least, "at_most": c.shown_at_most}
                for c in cells
            ]
            return JSONResponse({"months": rows})
    except FormError as exc:
        return JSONResponse({"detail": exc.text(request)}, status_code=exc.status)
    except ENGINE_ERRORS as exc:
        return JSONResponse({"detail": engine_message(request, exc)}, status_code=422)
    return JSONResponse({"months": month_rows(result)})


@router.post("/counts/ledger", response_class=HTMLResponse)
async def record_count(request: Request, user: FactsheetsMake) -> Response:
    """Put the count in the number ledger, as `refwatch count` does, and show the entry."""
    sent = await request.form()
    fields = {k: v for k, v in sent.items() if isinstance(v, str)}
    flags = [v for v in sent.getlist("flag") if isinstance(v, str)]
    by = [v for v in sent.getlist("by") if isinstance(v, str)]
    purpose = fields.get("purpose", "").strip()[:MAX_PURPOSE] or "web counts page"
    return await run_in_threadpool(_record, request, user, fields, flags, by, purpose)


def _record(
    request: Request,
    user: User,
    fields: dict[str, str],
    flags: list[str],
    by: list[str],
    purpose: str,
) -> Response:
    try:
        form = CountForm.read(fields, flags, by)
        check_source_permission(request, user, form)
    except FormError as exc:
        return _page(request, user, CountForm(), error=exc.text(request), status_code=exc.status)
    try:
        result = run_count(
            get_workspace(request), form, record=True, actor=user.actor, purpose=purpose
        )
    except ENGINE_ERRORS as exc:
        return _page(request, user, form, error=engine_message(request, exc), status_code=422)
    return RedirectResponse(f"/ledger/{result.ledger_id}?recorded=1", status_code=303)


# -- the ledger entry --------------------------------------------------------------------


QUERY_ORDER = (
    "event",
    "from",
    "to",
    "place",
    "sex",
    "age_band",
    "flags",
    "source",
    "source_type",
    "status",
    "as_of",
    "by",
)


def _shown_query(query: dict[str, Any], may_see_sources: bool) -> list[tuple[str, str]]:
    """The question's fields in the form's order; a source's name only for those who may
    read sources."""
    shown = []
    ordered = sorted(query.items(), key=lambda kv: (_rank(kv[0]), kv[0]))
    for key, value in ordered:
        if value in (None, [], ""):
            continue
        text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        if key == "source" and not may_see_sources:
            text = "…"
        shown.append((key, text))
    return shown


def _rank(key: str) -> int:
    return QUERY_ORDER.index(key) if key in QUERY_ORDER else len(QUERY_ORDER)


def _ids_or_count(people: list[str], may_list: bool) -> dict[str, Any]:
    """How many, and (for roles that may read persons) the first ids."""
    shown = people[:PERSONS_SHOWN] if may_list else []
    return {"n": len(people), "ids": shown, "more": len(people) - len(shown) if may_list else 0}


def _pair(pair: list[Any]) -> str:
    if pair[0] is None:
        return "—"
    return f"{pair[0]}–{pair[1]}"


def _changed_cells(
    cells: list[dict[str, Any]], dims: tuple[str, ...], lang: str
) -> list[dict[str, Any]]:
    return [
        {
            "label": " / ".join(
                cell_text(d, str(v), lang) for d, v in zip(dims, c["cell"], strict=False)
            ),
            "then": _pair(c["then"]),
            "now": _pair(c["now"]),
        }
        for c in cells
    ]


def _estimate_check(workspace: Any, entry: dict[str, Any], may_list: bool) -> dict[str, Any]:
    """Whether an estimate's capture table is the same today (the cheap half of
    `refwatch ledger show`; re-running a bootstrap or a sampler is left to the command)."""
    from refwatch.estimate.errors import EstimationError
    from refwatch.estimate.record import recheck_estimate

    try:
        check = recheck_estimate(workspace, entry, recompute=False)
    except EstimationError as exc:
        return {"error": str(exc)}
    return {
        "error": check.error,
        "same_table": check.same_table,
        "same_snapshot": check.same_snapshot,
        "added": _ids_or_count(check.added, may_list),
        "removed": _ids_or_count(check.removed, may_list),
        "left_out": check.left_out,
    }


@router.get("/ledger/{entry_id}", response_class=HTMLResponse)
def ledger_page(request: Request, entry_id: str, user: CountsView) -> Response:
    """A ledger entry and what the same question gives today (`refwatch ledger show`)."""
    workspace = get_workspace(request)
    try:
        entry = read_entry(workspace, entry_id)
    except InputError:
        raise HTTPException(404) from None
    if not count_disclosure.may_read_entry(user, entry):
        # As an unknown entry: a viewer walking L-… ids learns nothing of those withheld.
        raise HTTPException(404)
    may_list = user.can("persons.view")
    recomputable = entry["kind"] in ("count", "breakdown")
    dims = tuple(str(d) for d in (entry["query"].get("by") or ())) if recomputable else ()
    context: dict[str, Any] = {
        "entry": entry,
        "query_items": _shown_query(entry["query"], user.can("sources.view")),
        "may_list": may_list,
        "recorded": request.query_params.get("recorded") == "1",
        "check": None,
        "check_error": None,
        "entry_sentence": None,
        "dims": dims,
        "label": lambda d, v: cell_text(d, v, language_of(request)),
        "behind": {
            "certain": _ids_or_count(entry["certain"], may_list),
            "uncertain": _ids_or_count(entry["uncertain"], may_list),
        },
    }
    if entry["kind"] == "estimate":
        context["estimate_check"] = _estimate_check(workspace, entry, may_list)
        return render(request, "counts_ledger.html", context)
    if not recomputable:
        context["check_error"] = gettext(
            request, "Only counts and breakdowns are recomputed; this entry is kept as it was."
        )
        return render(request, "counts_ledger.html", context)
    try:
        query = CountQuery.from_json(entry["query"])
        check = ledger_show(workspace, entry_id)
    except ENGINE_ERRORS as exc:
        context["check_error"] = engine_message(request, exc)
        return render(request, "counts_ledger.html", context)
    context["entry_sentence"] = localized_sentence(
        language_of(request), query, entry["at_least"], entry["at_most"]
    )
    context["sentence_lang"] = language_of(request)
    context["width_text"] = localized_width_text(language_of(request), check.now.width)
    context["check"] = check
    context["changed_cells"] = _changed_cells(check.changed_cells, dims, language_of(request))
    context["changes"] = {
        "added": _ids_or_count(check.added, may_list),
        "removed": _ids_or_count(check.removed, may_list),
        "newly_certain": _ids_or_count(check.newly_certain, may_list),
        "no_longer_certain": _ids_or_count(check.no_longer_certain, may_list),
    }
    return render(request, "counts_ledger.html", context)
