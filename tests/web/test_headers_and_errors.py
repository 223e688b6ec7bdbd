"""What every answer carries: cookie attributes, security headers, no-store, and error
pages without stack traces."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from refwatch.web.deps import PRE_COOKIE, SESSION_COOKIE
from tests.web.conftest import WebEnv, csrf_in


def set_cookie_lines(answer_headers: object) -> list[str]:
    return list(answer_headers.get_list("set-cookie"))  # type: ignore[attr-defined]


def attributes(line: str) -> set[str]:
    return {part.strip().lower() for part in line.split(";")[1:]}


def test_the_session_cookie_is_host_only_secure_httponly_and_strict(web: WebEnv) -> None:
    browser = web.client()
    page = browser.get("/sign-in")
    answer = browser.post(
        "/sign-in",
        data={
            "username": "viewer",
            "password": web.passwords["viewer"],
            "csrf_token": csrf_in(page.text),
        },
    )
    (line,) = [c for c in set_cookie_lines(answer.headers) if c.startswith(SESSION_COOKIE)]
    attrs = attributes(line)
    assert {"secure", "httponly", "samesite=strict", "path=/"} <= attrs
    assert not any(a.startswith("domain") for a in attrs), "__Host- cookies name no domain"
    assert not any(a.startswith(("max-age", "expires")) for a in attrs), "ends with the browser"


def test_the_pre_session_cookie_has_the_same_attributes(web: WebEnv) -> None:
    answer = web.client().get("/sign-in")
    (line,) = [c for c in set_cookie_lines(answer.headers) if c.startswith(PRE_COOKIE)]
    assert {"secure", "httponly", "samesite=strict", "path=/"} <= attributes(line)


def test_sign_out_clears_the_cookie_in_the_browser(web: WebEnv) -> None:
    browser = web.sign_in("viewer")
    page = browser.get("/account")
    answer = browser.post("/sign-out", data={"csrf_token": csrf_in(page.text)})
    (line,) = [c for c in set_cookie_lines(answer.headers) if c.startswith(SESSION_COOKIE)]
    assert "max-age=0" in attributes(line) and "secure" in attributes(line)


@pytest.mark.parametrize("path", ["/sign-in", "/account", "/users", "/api/v1/me", "/nope"])
def test_every_answer_carries_the_security_headers_and_no_store(web: WebEnv, path: str) -> None:
    answer = web.sign_in("admin").get(path)
    headers = answer.headers
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-eval" not in csp and "script-src 'self' 'unsafe-inline'" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"


def test_static_assets_may_be_cached_and_come_from_installed_packages(web: WebEnv) -> None:
    browser = web.client()
    for path in (
        "/static/refwatch.css",
        "/assets/leaflet/leaflet.js",
        "/assets/npm/htmx.org/dist/htmx.min.js",
    ):
        answer = browser.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["cache-control"].startswith("public"), path
    assert browser.get("/static/../app.py").status_code == 404


@pytest.fixture
def exploding(web: WebEnv) -> WebEnv:
    def boom() -> None:
        raise RuntimeError("canary-secret-in-an-exception-Q7")

    web.app.add_api_route("/boom", boom, methods=["GET"])
    web.app.add_api_route("/api/v1/boom", boom, methods=["GET"])
    return web


def test_an_unexpected_error_shows_no_stack_trace_and_logs_no_message(
    exploding: WebEnv, caplog: pytest.LogCaptureFixture
) -> None:
    browser: TestClient = exploding.client()
    with caplog.at_level(logging.DEBUG):
        page = browser.get("/boom")
        api = browser.get("/api/v1/boom")
    for answer in (page, api):
        assert answer.status_code == 500
        assert "Traceback" not in answer.text and "canary-secret" not in answer.text
        assert "RuntimeError" not in answer.text
    assert "Incident" in page.text
    assert "RuntimeError" in caplog.text, "the admin can find the failure in the log"
    assert "canary-secret" not in caplog.text


def test_validation_errors_do_not_echo_what_was_sent(web: WebEnv) -> None:
    admin = web.sign_in("admin")
    page = admin.get("/account")
    answer = admin.post(
        f"/users/{web.users['viewer'].id}/role",
        data={"role": "canary-role-김송국", "csrf_token": csrf_in(page.text)},
    )
    assert answer.status_code == 422
    assert "김송국" not in answer.text and "canary-role" not in answer.text


def test_an_anonymous_page_request_is_sent_to_sign_in_and_back(web: WebEnv) -> None:
    answer = web.client().get("/users?x=1")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=%2Fusers%3Fx%3D1"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil"])
def test_sign_in_never_redirects_to_another_site(web: WebEnv, target: str) -> None:
    browser = web.client()
    page = browser.get("/sign-in")
    answer = browser.post(
        "/sign-in",
        data={
            "username": "viewer",
            "password": web.passwords["viewer"],
            "csrf_token": csrf_in(page.text),
            "next": target,
        },
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/")
    assert not answer.headers["location"].startswith(("//", "/\\"))
