"""Languages of the web app: English (the source strings) and Korean (a Babel catalogue).

The catalogue is the `.po` file itself, read with Babel when the app starts and compiled in
memory, so there is no compile step and no `.mo` file to forget. Language choice, first
match wins: `?lang=` in the URL (which also sets the `refwatch_lang` cookie), that cookie,
the browser's Accept-Language, English.
"""

from __future__ import annotations

import functools
import io
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from starlette.requests import Request

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
