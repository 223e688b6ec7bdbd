"""Languages of the web app: English (the source strings) and Korean (a Babel catalogue).

The catalogue is the `.po` file itself, read with Babel when the app starts and compiled in
memory, so there is no compile step and no `.mo` file to forget. Language choice, first
match wins: `?lang=` in the URL (which also sets the `refwatch_lang` cookie), that cookie,
the browser's Accept-Language, English.

Errors and messages made below the web layer (the account rules, a filter's InputError,
an estimate's warnings and refusals) carry a message code and its values
(`refwatch.domain.errors`): a page words them from the code, whose English template is
the message id, and names the field an error is about by its form label (`error_text`,
`message_text`). A plain text with no code (the CSRF refusal) is its own message id.
No English text is taken apart: the CLI and the JSON API keep the English.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from starlette.requests import Request

from refwatch.domain.errors import WORDINGS, InputError, Message, RefWatchError, with_field

LANGUAGES = {"en": "English", "ko": "한국어"}
DEFAULT = "en"
COOKIE = "refwatch_lang"
DOMAIN = "messages"


def catalogue_path(lang: str) -> str:
    return str(resources.files("refwatch.web") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po")


@functools.cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalogue of `lang` (English: the identity)."""
    if lang == DEFAULT or lang not in LANGUAGES:
        return NullTranslations()
    with open(catalogue_path(lang), "rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def from_accept_language(header: str) -> str | None:
    """The first supported language in an Accept-Language header, by quality."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        fields = part.strip().split(";")
        tag = fields[0].strip().lower()
        quality = 1.0
        for param in fields[1:]:
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.split("-")[0]
        if primary in LANGUAGES and quality > 0:
            choices.append((-quality, position, primary))
    return min(choices)[2] if choices else None


def language_of(request: Request) -> str:
    """The language of this request's answer (cached on the request)."""
    cached = getattr(request.state, "lang", None)
    if isinstance(cached, str):
        return cached
    asked = request.query_params.get("lang")
    lang = (
        asked
        if asked in LANGUAGES
        else request.cookies.get(COOKIE)
        if request.cookies.get(COOKIE) in LANGUAGES
        else from_accept_language(request.headers.get("accept-language", ""))
    ) or DEFAULT
    request.state.lang = lang
    return lang


def gettext(request: Request, message: str, **variables: object) -> str:
    """`message` in the request's language, with `%(name)s` variables filled in."""
    text = translations(language_of(request)).gettext(message)
    return text % variables if variables else text


def ngettext(request: Request, singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations(language_of(request)).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


# Values that are words of ours rather than data (the name of a stratum in an estimate's
# note): shown in the page's language, through these message ids.
VALUE_WORDS: dict[str, dict[str, str]] = {
    "stratify": {
        "month": "month",
        "quarter": "quarter",
        "region": "region",
        "sex": "sex",
        "age_band": "age band",
    },
}

FIELD_LABELS: dict[str, str] = {
    "event": "Event",
    "from": "From",
    "to": "To",
    "place": "Place",
    "sex": "Sex",
    "age_band": "Age band",
    "flag": "Flags",
    "source_type": "Type of source",
    "source": "Source",
    "status": "Status",
    "as_of": "As of",
    "by": "Break down by",
    "leave_out": "Lists to leave out",
}
"""How a page names the field an error is about (the CLI names it by its option): the
labels of the count, fact-sheet and release forms, message ids of the catalogue."""


def coded_text(request: Request, code: str, params: Mapping[str, object]) -> str:
    """The wording of a message code in the request's language, its values filled in."""
    values = {name: _value_text(request, name, value) for name, value in params.items()}
    template = translations(language_of(request)).gettext(WORDINGS[code])
    return template % values if values else template


def _value_text(request: Request, name: str, value: object) -> object:
    if isinstance(value, str) and value in VALUE_WORDS.get(name, {}):
        return gettext(request, VALUE_WORDS[name][value])
    if isinstance(value, Message):
        return message_text(request, value)
    return value


def message_text(request: Request, message: str) -> str:
    """A message made below the web layer, in the request's language: a `Message` is
    worded again from its code (a refusal of several reasons, reason by reason); any
    other text is looked up as it is (English is the message id)."""
    lang = language_of(request)
    if lang == DEFAULT:
        return str(message)
    if isinstance(message, Message):
        if message.parts:
            return ". ".join(message_text(request, part) for part in message.parts)
        if message.code is not None:
            return coded_text(request, message.code, message.params)
    return translations(lang).gettext(str(message))


def joined_text(request: Request, message: str) -> str:
    """An estimate's refusal (several reasons), in the request's language."""
    return message_text(request, message)


def field_label(request: Request, field: str) -> str:
    return gettext(request, FIELD_LABELS[field]) if field in FIELD_LABELS else field


def reason_text(request: Request, error: BaseException) -> str:
    """What went wrong, without where (file, row, column), in the request's language: from
    the error's code when it has one, with the field it is about named by its label."""
    code = getattr(error, "code", None)
    if isinstance(code, str) and code in WORDINGS:
        params = getattr(error, "params", None) or {}
        text = coded_text(request, code, params)
    else:
        text = message_text(
            request, error.reason if isinstance(error, RefWatchError) else str(error)
        )
    field = getattr(error, "field", None)
    if not isinstance(field, str):
        return text
    label = field_label(request, field)
    if language_of(request) == DEFAULT:
        return with_field(code if isinstance(code, str) else None, field, text, label)
    return f"{label}: {text}"


def error_text(request: Request, error: BaseException) -> str:
    """What a page shows for an expected error, in the request's language.

    An InputError keeps its shape (file, row, column: reason (value …)) with each part
    translated; the field of a query's error is named by its form label.
    """
    text = reason_text(request, error)
    if not isinstance(error, InputError):
        return text
    where = [] if error.file is None else [error.file]
    if error.row is not None:
        where.append(gettext(request, "row %(n)s", n=error.row))
    if error.column is not None:
        where.append(gettext(request, "column %(column)s", column=repr(error.column)))
    if error.value is not None:
        text = gettext(
            request, "%(reason)s (value %(value)s)", reason=text, value=repr(error.value)
        )
    return (
        gettext(request, "%(where)s: %(reason)s", where=", ".join(where), reason=text)
        if where
        else text
    )


def page_message(request: Request, message: str) -> str:
    """A refusal's detail: translated for a page, English under /api/ (scripts parse it)."""
    return message if request.url.path.startswith("/api/") else message_text(request, message)
