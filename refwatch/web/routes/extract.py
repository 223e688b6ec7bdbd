"""Paste an account or a release: proposals beside their sentences, reviewed, then accepted.

A researcher pastes text; `refwatch.intake.extract.extract` proposes claims, person
mentions and context observations; the page shows each proposal beside the sentence it
came from (the figure or name marked), with a checkbox and editable fields. Accepting
sends back only what the researcher ticked, as edited; the form is read into the same JSON
`refwatch extract --json` writes, checked by the same strict reader
(`Extraction.from_json`), and written by `accept_extraction` in one transaction, exactly
as `refwatch accept` does. Nothing is stored before Accept: the pasted text lives only in
the request and the page.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from refwatch.domain.dates import parse_date
from refwatch.domain.enums import EventType, Flag, ObservationKind, Sex, SourceType, Status
from refwatch.domain.errors import DateError, InputError
from refwatch.gazetteer import Gazetteer, load_gazetteer
from refwatch.intake.extract import extract
from refwatch.intake.extract.model import PROPOSAL_FIELDS, QUALIFIERS, UNITS, Extraction
from refwatch.intake.extract_accept import accept_extraction
from refwatch.web.deps import (
    MAX_FORM_FIELDS,
    MAX_FORM_PART,
    User,
    get_cipher,
    get_workspace,
)
from refwatch.web.i18n import error_text
from refwatch.web.roles import EvidenceWrite
from refwatch.web.templating import gettext, render

router = APIRouter(include_in_schema=False)

MAX_PASTE = 100_000
"""Characters of one paste: a long release or a typed-up interview is a few thousand."""
MAX_REVIEW = 60
"""Proposals one review page shows (each is a dozen form fields; the form takes at most
MAX_FORM_FIELDS). A text with more is split by the researcher."""
LABEL = "pasted text"

# The review form's fields: each kind's fields as the proposal file writes them (one home:
# PROPOSAL_FIELDS), then its period; the sentence and its offsets ride along hidden.
FIELDS: dict[str, tuple[str, ...]] = {
    kind: (*fields, "from", "to") for kind, fields in PROPOSAL_FIELDS.items()
}
PREFIX = {"claims": "c", "mentions": "m", "observations": "o"}
_HIDDEN = ("text", "start", "end")
_INTEGERS = frozenset({"number", "age", "start", "end"})
_PLACES = frozenset({"place", "origin"})
_LISTS = frozenset({"names_hangul", "names_latin"})
_WHERE = re.compile(r"^(claims|mentions|observations)\[(\d+)\]\.(\w+)$")


def _choices() -> dict[str, list[str]]:
    return {
        "qualifier": list(QUALIFIERS),
        "event": [e.value for e in EventType],
        "status": [s.value for s in Status],
        "sex": [s.value for s in Sex],
        "flags": [f.value for f in Flag],
        "kind": [k.value for k in ObservationKind],
        "unit": list(UNITS),
        "source_type": [t.value for t in SourceType],
    }


def _text_of(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value) if value else ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _marks(item: dict[str, str], kind: str) -> list[str]:
    """What to mark in the sentence: the figure of a claim or observation, a person's names."""
    if kind == "mentions":
        return [n.strip() for key in _LISTS for n in item.get(key, "").split(";") if n.strip()]
    key = "number" if kind == "claims" else "value"
    figure = item.get(key, "").lstrip("-")
    return [figure, f"{int(figure):,}"] if figure.isdigit() else ([figure] if figure else [])


def _parts(sentence: str, marks: list[str]) -> list[tuple[str, bool]]:
    """The sentence cut into (text, marked) pieces, marking each occurrence of a mark."""
    wanted = [m for m in marks if m]
    if not wanted:
        return [(sentence, False)]
    pattern = re.compile("|".join(re.escape(m) for m in sorted(set(wanted), key=len, reverse=True)))
    parts: list[tuple[str, bool]] = []
    last = 0
    for found in pattern.finditer(sentence):
        if found.start() > last:
            parts.append((sentence[last : found.start()], False))
        parts.append((found.group(0), True))
        last = found.end()
    if last < len(sentence):
        parts.append((sentence[last:], False))
    return parts


def _review(items: dict[str, list[dict[str, str]]], checked: dict[str, set[int]]) -> list[Any]:
    """The proposals as the review form shows them, kind by kind."""
    groups = []
    for kind in ("claims", "mentions", "observations"):
        rows = []
        for index, item in enumerate(items[kind]):
            rows.append(
                {
                    "index": index,
                    "name": f"{PREFIX[kind]}{index}",
                    "fields": item,
                    "checked": index in checked[kind],
                    "parts": _parts(item.get("text", ""), _marks(item, kind)),
                }
            )
        groups.append({"kind": kind, "fields": FIELDS[kind], "rows": rows})
    return groups


def _page(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    base: dict[str, Any] = {
        "choices": _choices(),
        "max_paste": MAX_PASTE,
        "values": {},
        "errors": {},
        "error": None,
        "groups": None,
        "summary": None,
    }
    return render(request, "extract.html", {**base, **context}, status_code=status_code)


@router.get("/extract", response_class=HTMLResponse)
def extract_page(request: Request, user: EvidenceWrite) -> Response:
    return _page(request, {})


async def _form(request: Request) -> Any:
    return await request.form(max_files=0, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FORM_PART)


def _source_values(form: Any) -> dict[str, str]:
    return {
        name: str(form.get(name) or "").strip()[:200]
        for name in ("source", "source_type", "reported_on", "language")
    }


def _check_source(request: Request, values: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not values["source"]:
        errors["source"] = gettext(request, "Name the source: who published or told this.")
    if values["source_type"] and values["source_type"] not in _choices()["source_type"]:
        errors["source_type"] = gettext(request, "Choose a type of source from the list.")
    if values["reported_on"]:
        try:
            parse_date(values["reported_on"])
        except DateError as exc:
            errors["reported_on"] = str(exc)
    return errors


@router.post("/extract", response_class=HTMLResponse)
async def propose(request: Request, user: EvidenceWrite) -> Response:
    form = await _form(request)
    text = str(form.get("text") or "")
    values = _source_values(form)
    return await run_in_threadpool(_propose, request, text, values)


def _propose(request: Request, text: str, values: dict[str, str]) -> Response:
    if len(text) > MAX_PASTE:
        message = gettext(
            request,
            "The text is too long (%(n)s characters; at most %(max)s): paste it in parts.",
            n=f"{len(text):,}",
            max=f"{MAX_PASTE:,}",
        )
        return _page(request, {"values": values, "error": message}, 413)
    if not text.strip():
        message = gettext(request, "Paste the text of an account or a release first.")
        return _page(request, {"values": values, "error": message}, 422)
    errors = _check_source(request, values)
    reference = None
    if values["reported_on"] and "reported_on" not in errors:
        reference = parse_date(values["reported_on"]).latest
    try:
        found = extract(text, reference_date=reference or date.today())
    except InputError as exc:
        return _page(request, {"values": values, "error": error_text(request, exc)}, 422)
    items = {
        kind: [
            {key: _text_of(value) for key, value in entry.items()}
            for entry in found.to_json()[kind]
        ]
        for kind in FIELDS
    }
    total = sum(len(v) for v in items.values())
    if total > MAX_REVIEW:
        message = gettext(
            request,
            "The text gives %(n)s proposals; one page reviews at most %(max)s: paste it in parts.",
            n=total,
            max=MAX_REVIEW,
        )
        return _page(request, {"values": values, "error": message}, 422)
    values["language"] = found.language
    checked = {kind: set(range(len(items[kind]))) for kind in FIELDS}
    return _page(
        request,
        {"values": values, "errors": errors, "groups": _review(items, checked)},
    )


def _submitted(form: Any) -> tuple[dict[str, list[dict[str, str]]], dict[str, set[int]]]:
    """Every proposal the review form sent back (as typed) and which were ticked."""
    items: dict[str, list[dict[str, str]]] = {}
    checked: dict[str, set[int]] = {}
    for kind, fields in FIELDS.items():
        try:
            count = min(int(str(form.get(f"{kind}_count") or "0")), MAX_REVIEW)
        except ValueError:
            count = 0
        items[kind], checked[kind] = [], set()
        for index in range(max(count, 0)):
            name = f"{PREFIX[kind]}{index}"
            item = {key: str(form.get(f"{name}.{key}") or "").strip() for key in fields}
            for key in _HIDDEN:
                item[key] = str(form.get(f"{name}.{key}") or "")
            item["flags"] = ";".join(str(f) for f in form.getlist(f"{name}.flags") if f)
            items[kind].append(item)
            if form.get(f"{name}.accept"):
                checked[kind].add(index)
    return items, checked


def _typed(key: str, text: str, gazetteer: Gazetteer) -> object:
    """A form field as the JSON reader expects it; what does not parse is passed as typed,
    so the reader's own message names the field."""
    text = text.strip() if key != "text" else text
    if key == "flags":
        return [f for f in re.split(r"[;,\s]+", text) if f]
    if key in _LISTS:
        return [n.strip() for n in text.split(";") if n.strip()]
    if text == "":
        return 0 if key in ("start", "end") else None
    if key in _INTEGERS:
        return int(text) if re.fullmatch(r"-?\d{1,12}", text) else text
    if key == "value":
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return text
    if key in _PLACES and text not in gazetteer:
        found = gazetteer.resolve(text)
        return found.id if found is not None else text
    return text


def _as_json(
    items: dict[str, list[dict[str, str]]], checked: dict[str, set[int]], language: str
) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """The ticked proposals as the proposal JSON, and each kind's original indices."""
    gazetteer = load_gazetteer()
    data: dict[str, Any] = {"language": language or "unknown"}
    kept: dict[str, list[int]] = {}
    for kind, fields in FIELDS.items():
        kept[kind] = sorted(checked[kind])
        data[kind] = [
            {key: _typed(key, items[kind][i][key], gazetteer) for key in (*fields, *_HIDDEN)}
            for i in kept[kind]
        ]
    return data, kept


def _field_name(column: str | None, kept: dict[str, list[int]]) -> str:
    """The form field an error of the reader is about ("claims[0].number" of the ticked
    ones → "c3.number" on the page)."""
    found = _WHERE.match(column or "")
    if found is None:
        return column or "form"
    kind, index, key = found.group(1), int(found.group(2)), found.group(3)
    original = kept[kind][index] if index < len(kept[kind]) else index
    return f"{PREFIX[kind]}{original}.{key}"


@router.post("/extract/accept", response_class=HTMLResponse)
async def accept(request: Request, user: EvidenceWrite) -> Response:
    form = await _form(request)
    values = _source_values(form)
    items, checked = _submitted(form)
    return await run_in_threadpool(_accept, request, user, values, items, checked)


def _accept(
    request: Request,
    user: User,
    values: dict[str, str],
    items: dict[str, list[dict[str, str]]],
    checked: dict[str, set[int]],
) -> Response:
    review = {"values": values, "groups": _review(items, checked)}
    errors = _check_source(request, values)
    if errors:
        return _page(request, {**review, "errors": errors}, 422)
    if not any(checked.values()):
        message = gettext(request, "Tick at least one proposal to accept.")
        return _page(request, {**review, "error": message}, 422)
    data, kept = _as_json(items, checked, values["language"])
    try:
        extraction = Extraction.from_json(data, file=LABEL)
    except InputError as exc:
        field = _field_name(exc.column, kept)
        message = error_text(request, InputError(exc.reason, value=exc.value))
        return _page(request, {**review, "errors": {field: message}, "error": message}, 422)
    cipher = get_cipher(request)
    if cipher is None:
        raise HTTPException(503, gettext(request, "The server was started without the key."))
    # The content's digest from a keyed fingerprint: a plain hash of the sentences and names
    # would let anyone holding the database test a guessed name against it.
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(cipher.fingerprint(canonical).encode("ascii")).hexdigest()
    try:
        summary = accept_extraction(
            get_workspace(request),
            cipher,
            extraction,
            source=values["source"],
            source_type=values["source_type"] or None,
            reported_on=values["reported_on"] or None,
            label=LABEL,
            digest=digest,
            actor=user.actor,
        )
    except InputError as exc:
        field = _field_name(_where_of(exc), kept)
        message = error_text(request, InputError(exc.reason, value=exc.value))
        return _page(request, {**review, "errors": {field: message}, "error": message}, 422)
    return _page(request, {"summary": summary.as_dict(), "values": values})


def _where_of(error: InputError) -> str | None:
    """ "claims[2].text" from the writer's error (its file names the item, its column the
    field), so the page can mark the field."""
    item = re.search(r"(claims|mentions|observations)\[\d+\]", error.file or "")
    if item is not None and error.column:
        return f"{item.group(0)}.{error.column}"
    return error.column
