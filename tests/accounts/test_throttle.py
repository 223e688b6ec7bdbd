"""Password guessing: slowed per account, never a lockout of everyone, and no answer
that tells an attacker whether a username exists."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from refwatch.accounts.throttle import FREE_FAILURES, LONGEST_BLOCK, block_for
from tests.web.conftest import WebEnv, csrf_in


def attempt(browser: TestClient, username: str, password: str) -> tuple[int, str]:
    page = browser.get("/sign-in")
    answer = browser.post(
        "/sign-in",
        data={"username": username, "password": password, "csrf_token": csrf_in(page.text)},
    )
    return answer.status_code, answer.text


def test_throttling_one_account_does_not_block_another(web: WebEnv) -> None:
    attacker = web.client()
    statuses = [attempt(attacker, "admin", f"guess-{i}-password")[0] for i in range(7)]
    assert statuses[:FREE_FAILURES] == [401] * FREE_FAILURES
    assert statuses[FREE_FAILURES:] == [429, 429]
    assert attempt(web.client(), "admin", web.passwords["admin"])[0] == 429
    assert attempt(web.client(), "analyst", web.passwords["analyst"])[0] == 303
    web.sign_in("researcher")


def test_the_throttled_account_signs_in_after_the_pause(web: WebEnv) -> None:
    attacker = web.client()
    for i in range(FREE_FAILURES):
        attempt(attacker, "viewer", f"guess-{i}-password")
    assert attempt(web.client(), "viewer", web.passwords["viewer"])[0] == 429
    web.clock.advance(timedelta(seconds=31))
    assert attempt(web.client(), "viewer", web.passwords["viewer"])[0] == 303


def scrub(html: str) -> str:
    html = re.sub(r'content="[^"]+"', 'content=""', html)
    html = re.sub(r'name="csrf_token" value="[^"]+"', "", html)
    html = re.sub(r'"X-CSRF-Token": "[^"]+"', "", html)
    return re.sub(r'name="username"([^>]*)value="[^"]*"', r'name="username"\1value=""', html)


def test_wrong_password_and_unknown_user_answer_the_same(web: WebEnv) -> None:
    known = attempt(web.client(), "analyst", "not-the-password-1")
    unknown = attempt(web.client(), "analysx", "not-the-password-1")
    assert known[0] == unknown[0] == 401
    assert scrub(known[1]) == scrub(unknown[1])


def test_a_disabled_account_answers_like_a_wrong_password(web: WebEnv) -> None:
    from refwatch.accounts import accounts

    accounts.set_disabled(web.workspace, web.users["viewer"].id, True, actor="admin")
    disabled = attempt(web.client(), "viewer", web.passwords["viewer"])
    wrong = attempt(web.client(), "analyst", "not-the-password-1")
    assert disabled[0] == wrong[0] == 401
    assert scrub(disabled[1]) == scrub(wrong[1])


def test_unknown_usernames_are_throttled_like_known_ones(web: WebEnv) -> None:
    for name in ("analyst", "nosuchuser"):
        browser = web.client()
        statuses = [attempt(browser, name, f"guess-{i}-password")[0] for i in range(6)]
        assert statuses[-1] == 429, name


def test_a_right_password_clears_the_count(web: WebEnv) -> None:
    browser = web.client()
    for round_ in range(3):
        for i in range(FREE_FAILURES - 1):
            assert attempt(browser, "analyst", f"guess-{round_}-{i}")[0] == 401
        assert attempt(web.client(), "analyst", web.passwords["analyst"])[0] == 303


@given(st.integers(min_value=0, max_value=10_000))
def test_pauses_grow_but_never_pass_the_longest_block(failures: int) -> None:
    pause = block_for(failures)
    if failures < FREE_FAILURES:
        assert pause is None
    else:
        assert pause is not None and timedelta(seconds=30) <= pause <= LONGEST_BLOCK
        longer = block_for(failures + 1)
        assert longer is not None and longer >= pause
