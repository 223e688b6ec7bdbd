"""TOTP: enrolment needs a right code, sign-in asks for one, and no code works twice."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
from fastapi.testclient import TestClient

from refwatch.store import accounts, second_factor
from refwatch.web.deps import SESSION_COOKIE
from tests.web.conftest import WebEnv, csrf_in, csrf_of


def enrol(web: WebEnv, browser: TestClient) -> str:
    page = browser.get("/account")
    secret = re.search(r'name="secret" value="([A-Z2-7]+)"', page.text)
    assert secret, "the account page offers a new TOTP key"
    assert "otpauth://totp/" in page.text
    key = secret.group(1)
    answer = browser.post(
        "/account/totp",
        data={
            "secret": key,
            "code": second_factor.code_for(key, web.clock()),
            "csrf_token": csrf_in(page.text),
        },
    )
    assert answer.status_code == 303
    return key


def password_step(web: WebEnv, who: str) -> TestClient:
    browser = web.client()
    page = browser.get("/sign-in")
    answer = browser.post(
        "/sign-in",
        data={"username": who, "password": web.passwords[who], "csrf_token": csrf_in(page.text)},
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in/code")
    return browser


def code_step(browser: TestClient, code: str) -> int:
    page = browser.get("/sign-in/code")
    return browser.post(
        "/sign-in/code", data={"code": code, "csrf_token": csrf_in(page.text)}
    ).status_code


def test_enrolment_refuses_a_wrong_code(web: WebEnv) -> None:
    browser = web.sign_in("researcher")
    page = browser.get("/account")
    key = re.search(r'name="secret" value="([A-Z2-7]+)"', page.text)
    assert key
    wrong = browser.post(
        "/account/totp",
        data={"secret": key.group(1), "code": "000000", "csrf_token": csrf_in(page.text)},
    )
    if second_factor.matching_step(key.group(1), "000000", web.clock()) is None:
        assert wrong.status_code == 400
        found = accounts.account_by_name(web.workspace, "researcher")
        assert not found.totp_enabled


def test_sign_in_with_a_second_factor_needs_the_code_and_changes_the_id_again(
    web: WebEnv,
) -> None:
    key = enrol(web, web.sign_in("researcher"))
    web.clock.advance(timedelta(seconds=30))
    browser = password_step(web, "researcher")
    pending_id = browser.cookies.get(SESSION_COOKIE)
    assert code_step(browser, second_factor.code_for(key, web.clock())) == 303
    assert browser.cookies.get(SESSION_COOKIE) != pending_id
    assert browser.get("/api/v1/me").json()["username"] == "researcher"


def test_a_totp_code_cannot_be_used_twice(web: WebEnv) -> None:
    key = enrol(web, web.sign_in("admin"))
    web.clock.advance(timedelta(seconds=30))
    code = second_factor.code_for(key, web.clock())
    first = password_step(web, "admin")
    assert code_step(first, code) == 303
    replay = password_step(web, "admin")
    assert code_step(replay, code) == 401
    assert replay.get("/api/v1/me").status_code == 401


def test_the_enrolment_code_cannot_be_replayed_at_sign_in(web: WebEnv) -> None:
    browser = web.sign_in("analyst")
    page = browser.get("/account")
    key = re.search(r'name="secret" value="([A-Z2-7]+)"', page.text)
    assert key
    code = second_factor.code_for(key.group(1), web.clock())
    browser.post(
        "/account/totp",
        data={"secret": key.group(1), "code": code, "csrf_token": csrf_in(page.text)},
    )
    again = password_step(web, "analyst")
    assert code_step(again, code) == 401


def test_an_older_code_is_refused_once_a_newer_one_was_used(web: WebEnv) -> None:
    key = enrol(web, web.sign_in("viewer"))
    web.clock.advance(timedelta(seconds=60))
    older = second_factor.code_for(key, web.clock() - timedelta(seconds=30))
    newer = second_factor.code_for(key, web.clock())
    assert code_step(password_step(web, "viewer"), newer) == 303
    if older != newer:
        assert code_step(password_step(web, "viewer"), older) == 401


def test_codes_from_outside_the_drift_window_are_refused(web: WebEnv) -> None:
    key = enrol(web, web.sign_in("viewer"))
    stale = pyotp.TOTP(key).at(web.clock() - timedelta(minutes=5))
    web.clock.advance(timedelta(seconds=30))
    current = second_factor.code_for(key, web.clock())
    if stale != current:
        assert code_step(password_step(web, "viewer"), stale) == 401


def test_guessing_codes_is_throttled_like_guessing_passwords(web: WebEnv) -> None:
    key = enrol(web, web.sign_in("analyst"))
    web.clock.advance(timedelta(seconds=30))
    browser = password_step(web, "analyst")
    right = second_factor.code_for(key, web.clock())
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    statuses = [code_step(browser, wrong) for _ in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    assert code_step(browser, right) == 429, "even the right code waits out the pause"


def test_turning_the_second_factor_off_needs_the_password(web: WebEnv) -> None:
    browser = web.sign_in("researcher")
    enrol(web, browser)
    refused = browser.post(
        "/account/totp/disable",
        data={"current_password": "wrong-password-0", "csrf_token": csrf_of(browser)},
    )
    assert refused.status_code == 400
    done = browser.post(
        "/account/totp/disable",
        data={"current_password": web.passwords["researcher"], "csrf_token": csrf_of(browser)},
    )
    assert done.status_code == 303
    web.sign_in("researcher")
