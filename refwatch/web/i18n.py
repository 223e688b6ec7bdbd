"""Languages of the web app: English (the source strings) and Korean (a Babel catalogue).

The catalogue is the `.po` file itself, read with Babel when the app starts and compiled in
memory, so there is no compile step and no `.mo` file to forget. Language choice, first
match wins: `?lang=` in the URL (which also sets the `refwatch_lang` cookie), that cookie,
the browser's Accept-Language, English.

Messages raised in English below the web layer (the store's password and account rules,
the CSRF refusal, a filter's InputError, an estimate's warnings) are translated when a
page shows them, with `error_text` / `page_message`: the English text is the message id,
and a text with a number or a name in it is matched by one of `PATTERNS` to find its
message id. The CLI and the JSON API keep the English text.
"""

from __future__ import annotations

import functools
import io
import re
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from starlette.requests import Request

from refwatch.domain.errors import InputError
from refwatch.estimate import messages as estimate_messages

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


# Messages with a value in them, by their message id: `%(name)s` stands for the value,
# and the English as raised is matched against the id with each value made a group.
MESSAGES_WITH_VALUES: tuple[str, ...] = (
    "a password needs at least %(n)s characters",
    "a password may have at most %(n)s characters",
    "there is already a user called %(name)s",
    "a token cannot act above its user's role (%(role)s)",
    "not an EDTF date (%(why)s); write e.g. 2017-07 or 2017-07-13",
    "interval ends before it starts: %(value)s",
    "not an EDTF date: %(value)s",
    "EDTF date without bounds: %(value)s",
    "EDTF date out of range: %(value)s",
    "takes one of %(allowed)s; got %(value)s",
    "%(end)s is before --from %(start)s",
    "takes A-B or A+ (e.g. 0-17, 18-59, 60+), got %(value)s",
    "%(value)s ends before it starts",
    "the gazetteer knows no place %(value)s (try another spelling, a gazetteer id such as "
    "cn-yunnan, or add an alias)",
    "no source named %(value)s in this workspace (`refwatch status` counts them; names are exact)",
    "only %(n)s list(s): at least 3 are needed, because with two lists nothing in the data can "
    "show whether the lists depend on each other",
    "these lists have no one in this selection: %(lists)s; leave them out or widen the selection",
    "no one on list %(name)s is on any other list, so the data say nothing about what %(name)s "
    "misses; merge it with a similar list or leave it out",
    "searching all models of %(n)s lists is too slow; use stepwise selection",
    "at most %(n)s lists; merge some lists first",
    *estimate_messages.WITH_VALUES,
)


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


def _pattern(message_id: str) -> re.Pattern[str]:
    """The message id as a pattern: literal text, each `%(name)s` a group (a repeat of a
    name must repeat its value)."""
    parts: list[str] = []
    seen: set[str] = set()
    position = 0
    for field in re.finditer(r"%\((\w+)\)s", message_id):
        name = field.group(1)
        parts.append(re.escape(message_id[position : field.start()]))
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+)")
        seen.add(name)
        position = field.end()
    parts.append(re.escape(message_id[position:]))
    return re.compile("".join(parts))


PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (_pattern(message_id), message_id) for message_id in MESSAGES_WITH_VALUES
)


def message_text(request: Request, message: str) -> str:
    """An English message raised below the web layer, in the request's language."""
    lang = language_of(request)
    if lang == DEFAULT:
        return message
    catalogue = translations(lang)
    found = catalogue.gettext(message)
    if found != message:
        return found
    for pattern, message_id in PATTERNS:
        match = pattern.fullmatch(message)
        if match:
            translated = catalogue.gettext(message_id)
            if translated == message_id:
                return message
            values = {
                name: catalogue.gettext(VALUE_WORDS[name][value])
                if value in VALUE_WORDS.get(name, {})
                else value
                for name, value in match.groupdict().items()
            }
            return translated % values
    return message


def joined_text(request: Request, message: str) -> str:
    """Reasons joined by "; " (an estimate's refusal), each in the request's language.

    A reason may itself contain "; ", so the shortest run of parts that is a known message
    is taken; a part that is none stays as it is.
    """
    whole = message_text(request, message)
    if whole != message or language_of(request) == DEFAULT:
        return whole
    parts = message.split("; ")
    shown: list[str] = []
    start = 0
    while start < len(parts):
        for end in range(start + 1, len(parts) + 1):
            piece = "; ".join(parts[start:end])
            translated = message_text(request, piece)
            if translated != piece:
                shown.append(translated)
                start = end
                break
        else:
            shown.append(parts[start])
            start += 1
    return ". ".join(shown)


def error_text(request: Request, error: BaseException) -> str:
    """What a page shows for an expected error: its message in the request's language.

    An InputError keeps its shape (file, row, column: reason (value …)) with each part
    translated; in English the text is exactly `str(error)`.
    """
    if language_of(request) == DEFAULT or not isinstance(error, InputError):
        return message_text(request, str(error))
    where = [] if error.file is None else [error.file]
    if error.row is not None:
        where.append(gettext(request, "row %(n)s", n=error.row))
    if error.column is not None:
        where.append(gettext(request, "column %(column)s", column=repr(error.column)))
    text = message_text(request, error.reason)
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
