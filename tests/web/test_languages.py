"""English and Korean: the browser's choice, the switch, and a catalogue with no gaps."""

from __future__ import annotations

import html
import re
from importlib import resources
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from refwatch.domain.errors import WORDINGS
from refwatch.web.deps import CSRF_REFUSED, SIGN_IN_FIRST
from refwatch.web.i18n import (
    FIELD_LABELS,
    LANGUAGES,
    VALUE_WORDS,
    catalogue_path,
    from_accept_language,
)
from tests.web.conftest import WebEnv, csrf_of

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
    return re.findall(r"%\((\w+)\)s", text)


KOREAN = {"Accept-Language": "ko-KR,ko;q=0.9"}
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def main_of(html: str) -> str:
    """The page's own content, without the navigation and footer every page has."""
    return html[html.index("<main") : html.index("</main>")]


def test_a_korean_csrf_refusal_explains_itself_in_korean(web: WebEnv) -> None:
    browser = web.sign_in("analyst")
    answer = browser.post(
        "/account/password",
        data={"current_password": "x", "new_password": "y", "new_password_again": "y"},
        headers=KOREAN,
    )
    assert answer.status_code == 403 and '<html lang="ko">' in answer.text
    main = main_of(answer.text)
    assert "양식이 만료되었거나" in main and "허용되지 않습니다" in main
    assert "the form has expired" not in answer.text and "Not allowed" not in main
    english = browser.post("/account/password", data={"current_password": "x"})
    assert "the form has expired or did not come from RefWatch" in english.text
    api = browser.post("/api/v1/persons/search", json={"q": "x"}, headers=KOREAN)
    assert api.status_code == 403 and api.json()["detail"].startswith("the form has expired")


def test_a_korean_password_too_short_message_is_korean(web: WebEnv) -> None:
    browser = web.sign_in("analyst")
    form = {
        "current_password": web.passwords["analyst"],
        "new_password": "short",
        "new_password_again": "short",
        "csrf_token": csrf_of(browser),
    }
    answer = browser.post("/account/password", data=form, headers=KOREAN)
    assert answer.status_code == 400
    main = main_of(answer.text)
    assert "비밀번호는 10자 이상이어야 합니다" in main
    assert "a password needs at least" not in answer.text
    english = browser.post("/account/password", data=form, headers={"Accept-Language": "en"})
    assert "a password needs at least 10 characters" in english.text


def test_a_korean_admin_is_told_in_korean_why_the_last_admin_stays(web: WebEnv) -> None:
    admin = web.sign_in("admin")
    answer = admin.post(
        f"/users/{web.users['admin'].id}/role",
        data={"role": "viewer", "csrf_token": csrf_of(admin)},
        headers=KOREAN,
    )
    assert answer.status_code == 400
    assert "마지막 관리자입니다" in answer.text and "last admin" not in answer.text
    taken = admin.post(
        "/users",
        data={"username": "viewer", "role": "viewer", "password": "long-enough-pass"},
        headers={**KOREAN, "X-CSRF-Token": csrf_of(admin)},
    )
    assert taken.status_code == 400
    assert "'viewer'(이)라는 사용자가 이미 있습니다" in html.unescape(taken.text)


def test_a_bad_filter_is_explained_in_korean_with_the_field_it_names(web: WebEnv) -> None:
    page = web.sign_in("analyst").get("/persons?status=vanished", headers=KOREAN)
    assert page.status_code == 400
    assert "'status' 열: 알 수 없는 상태 (값 'vanished')" in html.unescape(page.text)
    assert "unknown status" not in page.text
    english = web.sign_in("analyst").get("/persons?status=vanished")
    assert "column 'status': unknown status (value 'vanished')" in html.unescape(english.text)


def test_every_message_id_of_error_text_has_a_korean_translation() -> None:
    with open(catalogue_path("ko"), "rb") as handle:
        catalogue = read_po(handle, locale="ko")
    translated = {m.id for m in catalogue if m.id and m.string}
    ids = set(WORDINGS.values()) | set(FIELD_LABELS.values())
    ids |= {CSRF_REFUSED, SIGN_IN_FIRST, "column %(column)s", "%(where)s: %(reason)s"}
    ids |= {"%(reason)s (value %(value)s)", "row %(n)s"}
    ids |= {word for words in VALUE_WORDS.values() for word in words.values()}
    assert sorted(ids - translated) == []
    assert HANGUL.search(str(catalogue.get(CSRF_REFUSED).string))
