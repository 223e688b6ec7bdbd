"""Jinja2 templates with translations and the helpers every page uses.

Templates get, besides what a route passes: `user` (or None), `csrf_token`, `synthetic`
(the workspace is the demo), `lang`, `languages`, `nav` (the entries this user may open),
and the functions `_()`/`gettext()`/`ngettext()` (in the request's language),
`message_text(m)` (an English message made below the web layer, such as an estimate's
warning, in the request's language), `reason_text(error)` (an error's reason, worded
from its code when it has one),
`csrf_field()` (the hidden form input), `can("permission")`, `lang_url("ko")`,
`format_date(d)`, `format_number(n)`, `label(code, vocabulary=None)` (a stored code's
display word in the page's language, from `refwatch.domain.labels`) and
`place(text, place_id=None, origin=False, facility=False)` (the gazetteer's name in the
page's language, with the words as written beside it). Routes render with
`render(request, name, context)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from babel.numbers import format_decimal
from fastapi import Request
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from refwatch.domain import labels
from refwatch.web import i18n
from refwatch.web.deps import csrf_token, current_user
from refwatch.web.nav import NAV, NavItem
from refwatch.web.place_display import place_markup

TEMPLATE_DIR = str(resources.files("refwatch.web") / "templates")


def _request(context: Context) -> Request:
    request = context.get("request")
    assert isinstance(request, Request), "render templates with a request in the context"
    return request


@pass_context
def _gettext(context: Context, message: str, **variables: object) -> str:
    return i18n.gettext(_request(context), message, **variables)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int, **variables: object) -> str:
    return i18n.ngettext(_request(context), singular, plural, n, **variables)


@pass_context
def _message_text(context: Context, message: str) -> str:
    return i18n.message_text(_request(context), message)


@pass_context
def _reason_text(context: Context, error: BaseException) -> str:
    """An error's reason in the page's language (from its code when it has one)."""
    return i18n.reason_text(_request(context), error)


@pass_context
def _csrf_field(context: Context) -> Markup:
    token = csrf_token(_request(context))
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(token)


@pass_context
def _can(context: Context, permission: str) -> bool:
    user = current_user(_request(context))
    return user is not None and user.can(permission)


@pass_context
def _lang_url(context: Context, lang: str) -> str:
    """This page's address with `?lang=` set (a relative link: no host in the page)."""
    url = _request(context).url.include_query_params(lang=lang)
    return f"{url.path}?{url.query}"


@pass_context
def _active_filters(
    context: Context, fields: Mapping[str, str], vocabularies: Mapping[str, str] | None = None
) -> list[dict[str, str]]:
    """The filters this page's address sets, each with the address without it: shown as
    removable chips, so a filter that is set reads as set and one that is not cannot look
    filled (as Datasette shows its facets). `fields` maps a parameter to its label; a
    parameter in `vocabularies` shows its value as the reader's word. Values are escaped
    by the template like any text."""
    request = _request(context)
    language = i18n.language_of(request)
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    chips = []
    for index, (name, value) in enumerate(params):
        if name not in fields or not value.strip():
            continue
        rest = [item for other, item in enumerate(params) if other != index]
        vocabulary = (vocabularies or {}).get(name)
        shown = labels.label(value, language, vocabulary) if vocabulary else value
        chips.append(
            {
                "name": name,
                "label": fields[name],
                "value": shown,
                "remove": request.url.path + ("?" + urlencode(rest) if rest else ""),
            }
        )
    return chips


def _format_date(value: date | datetime | str | None) -> str:
    """One way to show a day or a moment on every page, in every language: ISO 8601
    (`2016-07-31`, `2016-07-31 14:05 UTC`), the form EDTF dates and exports use, so a date
    on a page reads the same as in a case list (never "Jul 31, 2016" beside "2016-07-31",
    never microseconds). A stored timestamp may come as ISO text."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return _format_date(moment)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


@pass_context
def _format_number(context: Context, value: float | int | None) -> str:
    if value is None:
        return ""
    return format_decimal(value, locale=i18n.language_of(_request(context)))


@pass_context
def _label(context: Context, value: str | None, vocabulary: str | None = None) -> str:
    """A stored code (`ngo_list`, `born_in_detention`) as the reader's word, never raw."""
    return labels.label(value, i18n.language_of(_request(context)), vocabulary)


@pass_context
def _place(
    context: Context,
    text: str | None,
    place_id: str | None = None,
    origin: bool = False,
    facility: bool = False,
) -> Markup:
    request = _request(context)
    return place_markup(
        text,
        i18n.language_of(request),
        place_id,
        origin=origin,
        facility=facility,
        as_written=i18n.gettext(request, "as written"),
    )


def nav_for(request: Request) -> list[NavItem]:
    user = current_user(request)
    if user is None:
        return []
    existing: frozenset[str] = getattr(request.app.state, "page_paths", frozenset())
    return [item for item in NAV if item.path in existing and user.can(item.permission)]


def _context(request: Request) -> dict[str, Any]:
    return {
        "user": current_user(request),
        "csrf_token": csrf_token(request),
        "synthetic": bool(getattr(request.app.state, "synthetic", False)),
        "lang": i18n.language_of(request),
        "languages": i18n.LANGUAGES,
        "nav": nav_for(request),
    }


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(("html", "xml")),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, newstyle=True
    )
    env.globals.update(
        active_filters=_active_filters,
        message_text=_message_text,
        reason_text=_reason_text,
        csrf_field=_csrf_field,
        can=_can,
        lang_url=_lang_url,
        format_date=_format_date,
        format_number=_format_number,
        label=_label,
        place=_place,
    )
    return env


templates = Jinja2Templates(env=_environment(), context_processors=[_context])


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render template `name` for this request (the helpers above are always there)."""
    return templates.TemplateResponse(request, name, context or {}, status_code=status_code)


def gettext(request: Request, message: str, **variables: object) -> str:
    """Translate a message in Python code (flash lines, error texts)."""
    return i18n.gettext(request, message, **variables)
