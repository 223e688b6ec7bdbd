"""English and Korean: the browser's choice, the switch, and a catalogue with no gaps."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from refwatch.web.i18n import LANGUAGES, catalogue_path, from_accept_language
from tests.web.conftest import WebEnv

TEMPLATES = Path(str(resources.files("refwatch.web") / "templates"))


def test_a_korean_browser_gets_korean_pages(web: WebEnv) -> None:
    page = web.client().get("/sign-in", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"})
    assert '<html lang="ko">' in page.text and "로그인" in page.text


def test_the_language_switch_is_remembered(web: WebEnv) -> None:
    browser = web.client()
    first = browser.get("/sign-in?lang=ko", headers={"Accept-Language": "en"})
    assert "로그인" in first.text
    assert any(c.startswith("refwatch_lang=ko") for c in first.headers.get_list("set-cookie"))
    later = browser.get("/sign-in", headers={"Accept-Language": "en"})
    assert "로그인" in later.text
    back = browser.get("/sign-in?lang=en")
    assert "로그인" not in back.text and "Sign in" in back.text


def test_an_unknown_language_falls_back_to_english(web: WebEnv) -> None:
    page = web.client().get("/sign-in?lang=xx", headers={"Accept-Language": "fr"})
    assert '<html lang="en">' in page.text


def test_accept_language_follows_quality_order() -> None:
    assert from_accept_language("en;q=0.4, ko;q=0.8") == "ko"
    assert from_accept_language("fr, en-GB;q=0.5") == "en"
    assert from_accept_language("fr, de") is None
    assert from_accept_language("ko;q=0, en") == "en"


@given(st.text(max_size=200))
def test_any_accept_language_header_gives_a_supported_language_or_none(header: str) -> None:
    assert from_accept_language(header) in (*LANGUAGES, None)


def template_messages() -> set[str]:
    method_map = [("**.html", "jinja2")]
    options = {"**.html": {"extensions": "jinja2.ext.i18n"}}
    return {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(TEMPLATES), method_map, options
        )
    }


def test_every_string_in_the_templates_has_a_korean_translation() -> None:
    with open(catalogue_path("ko"), "rb") as handle:
        catalogue = read_po(handle, locale="ko")
    translated = {m.id for m in catalogue if m.id and m.string}
    missing = sorted(template_messages() - translated)
    assert missing == [], f"add Korean for these to {catalogue_path('ko')}: {missing}"


def test_the_catalogue_has_no_fuzzy_or_broken_entries() -> None:
    with open(catalogue_path("ko"), "rb") as handle:
        catalogue = read_po(handle, locale="ko")
    assert not [m.id for m in catalogue if m.id and m.fuzzy]
    for message in catalogue:
        if message.id and isinstance(message.id, str) and "%(" in message.id:
            assert sorted(_names(message.id)) == sorted(_names(str(message.string))), message.id


def _names(text: str) -> list[str]:
    import re

    return re.findall(r"%\((\w+)\)s", text)
