"""A canary name, entered through the intake form in a real browser, never reaches an
analyst or a viewer (no page, JSON answer or CSV they can fetch), nor the server's log,
nor the database file in plaintext. The researcher who entered it does see it, so the
crawl would notice if it leaked.
"""

from __future__ import annotations

import html
import re
from collections import deque
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser.conftest import DEMO_PASSWORDS, LiveApp

pytestmark = pytest.mark.slow

CANARY_HANGUL = "카나리아새"
CANARY_LATIN = "Qzvxor Canarybird"
CANARY_NOTE = "canary-note-7Hqw"
CANARY_TEXT = "canary-text-Zp3k"
CANARIES = (CANARY_HANGUL, CANARY_LATIN, CANARY_NOTE, CANARY_TEXT)
MAX_FETCHES = 450
HREF = re.compile(r'href="([^"#]+)"')
SKIP = ("/static/", "/assets/", "/sign-out", "/account/")


def leaks(body: str) -> list[str]:
    folded = body.casefold()
    found = [c for c in CANARIES if c.casefold() in folded]
    # A JSON answer may escape non-ASCII as \\uXXXX.
    escaped = CANARY_HANGUL.encode("unicode_escape").decode("ascii").casefold()
    if escaped in folded:
        found.append("escaped hangul")
    return found


def signed_in(chromium: Any, app: LiveApp, role: str) -> tuple[Any, Any]:
    context = chromium.new_context()
    page = context.new_page()
    page.goto(app.base_url + "/sign-in")
    page.fill("input[name=username]", role)
    page.fill("input[name=password]", DEMO_PASSWORDS[role])
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/sign-in).*$"))
    return context, page


def enter_canary(chromium: Any, app: LiveApp) -> tuple[str, str]:
    """The researcher enters the canary through the form; returns (person id, report id)."""
    context, page = signed_in(chromium, app, "researcher")
    page.goto(app.base_url + "/intake")
    page.fill("input[name=source]", "Canary source (synthetic)")
    page.fill("input[name=reported_on]", "2017-08-02")
    page.fill("textarea[name=text]", f"Account mentioning {CANARY_TEXT}.")
    page.fill("input[name=m0_name_hangul]", CANARY_HANGUL)
    page.fill("input[name=m0_name_latin]", CANARY_LATIN)
    page.fill("input[name=m0_apprehended_on]", "2017-07-20")
    page.fill("input[name=m0_apprehended_at]", "Yanji")
    page.select_option("select[name=m0_status]", "detained")
    page.fill("textarea[name=m0_notes]", CANARY_NOTE)
    page.click("#report-form button[type=submit]")
    page.wait_for_url(re.compile(r"/intake/batches/"))
    row = page.locator("#batch-rows tbody tr").first
    person_id = row.locator("a[href^='/persons/']").inner_text()
    report_href = row.locator("a[href^='/reports/']").get_attribute("href")
    assert report_href is not None
    # The researcher sees all four on the person and report pages: the crawl can tell.
    page.goto(f"{app.base_url}/persons/{person_id}")
    seen = page.content()
    page.goto(app.base_url + report_href)
    seen += page.content()
    assert sorted(leaks(seen)) == sorted(CANARIES)
    context.close()
    return person_id, report_href.rsplit("/", 1)[-1]


def crawl(context: Any, app: LiveApp, start: list[str]) -> dict[str, tuple[int, str]]:
    """Fetch `start` and every same-site link found in the HTML answers (breadth first)."""
    seen: dict[str, tuple[int, str]] = {}
    queue = deque(start)
    while queue and len(seen) < MAX_FETCHES:
        path = queue.popleft()
        if path in seen:
            continue
        answer = context.request.get(app.base_url + path, max_redirects=0)
        body = answer.text()
        seen[path] = (answer.status, body)
        if "text/html" not in answer.headers.get("content-type", ""):
            continue
        for href in HREF.findall(body):
            link = html.unescape(href)
            if link.startswith(app.base_url):
                link = link[len(app.base_url) :]
            if not link.startswith("/") or link.startswith(SKIP) or "lang=" in link:
                continue
            if link not in seen:
                queue.append(link)
    return seen


def post(context: Any, page: Any, app: LiveApp, path: str, **kwargs: Any) -> Any:
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    return context.request.post(
        app.base_url + path, headers={"X-CSRF-Token": token}, max_redirects=0, **kwargs
    )


def test_a_canary_entered_through_the_form_reaches_no_analyst_viewer_or_log(
    live_app: LiveApp, chromium: Any
) -> None:
    person_id, report_id = enter_canary(chromium, live_app)
    for role in ("analyst", "viewer"):
        context, page = signed_in(chromium, live_app, role)
        start = [
            f"/persons/{person_id}",
            f"/reports/{report_id}",
            f"/api/v1/persons/{person_id}",
            f"/api/v1/reports/{report_id}",
            f"/api/v1/events?person={person_id}",
            "/api/v1/persons?limit=500",
            "/api/v1/reports?limit=500",
            "/api/v1/sources",
            "/api/v1/openapi.json",
            "/persons.csv",
            "/dashboard/apprehensions.json",
            "/dashboard/map.json",
            "/context/observations.json",
            "/",
            "/persons?sort=news",
            "/reports",
            "/sources",
            "/context",
            "/audit",
        ]
        fetched = crawl(context, live_app, start)
        leaked = {path: leaks(body) for path, (_status, body) in fetched.items() if leaks(body)}
        assert leaked == {}, f"{role} saw a canary at {leaked}"
        searches = [
            post(context, page, live_app, "/persons", form={"q": CANARY_HANGUL}),
            post(context, page, live_app, "/api/v1/persons/search", data={"q": CANARY_LATIN}),
        ]
        assert [s.status for s in searches] == [404, 404]
        assert all(not leaks(s.text()) for s in searches)
        if role == "analyst":
            # The analyst does reach the person, under the pseudonymous id only.
            assert fetched[f"/persons/{person_id}"][0] == 200
            assert fetched["/persons.csv"][0] == 200 and person_id in fetched["/persons.csv"][1]
            assert len(fetched) > 100
        else:
            assert fetched[f"/persons/{person_id}"][0] == 404
            assert fetched[f"/api/v1/persons/{person_id}"][0] == 404
        context.close()
    assert leaks(live_app.log_text()) == []
    database = b"".join(p.read_bytes() for p in Path(live_app.workspace).glob("refwatch.db*"))
    for canary in CANARIES:
        assert canary.encode("utf-8") not in database
