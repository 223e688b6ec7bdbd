"""Paste a release, review the proposals beside their sentences, accept them, and read the
claim beside our own count, in a real browser on the demo workspace.

A researcher pastes a release and a testimony, sees each proposal with its figure or name
marked in its sentence, unticks the context observation, accepts, and finds the claim on
the claims page with our documented count and the verdict. Nothing the browser shows
complains (script errors, CSP refusals, failed loads), and the server's log never holds
a sentence of the text. Screenshots go to tests/web/browser/artifacts/extract-*.png.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.browser.conftest import LiveApp
from tests.web.browser.test_counts_browser import LAPTOP, Visit

pytestmark = pytest.mark.slow

RELEASE = (
    "China has detained at least 41 North Korean refugees in July and August 2017, in "
    "places including Changbai. My sister Kim Canarya, 34, was caught in Changbai in "
    "July 2017. One rescue network says its capacity fell by about 80% since June 2017."
)


def test_a_researcher_pastes_reviews_and_accepts_a_release(
    live_app: LiveApp, chromium: Any, artifacts: Path
) -> None:
    context = chromium.new_context(viewport=LAPTOP, locale="en-GB")
    visit = Visit(context.new_page(), live_app, artifacts)
    page = visit.page
    visit.sign_in("researcher")
    visit.go("/extract")
    expect(page.locator("main h1")).to_have_text("Paste an account or a release")
    page.fill("#paste-form input[name=source]", "Organisation Browser")
    page.select_option("#paste-form select[name=source_type]", "ngo_list")
    page.fill("#paste-form input[name=reported_on]", "2017-09-14")
    page.fill("#paste-form textarea[name=text]", RELEASE)
    page.click("#propose-button")
    page.wait_for_selector("#review-form")
    expect(page.locator("#proposal-c0 mark").first).to_have_text("41")
    expect(page.locator("#proposal-m0 mark").first).to_have_text("Kim Canarya")
    expect(page.locator("#proposal-c0 select[name='c0.qualifier']")).to_have_value("at_least")
    page.screenshot(path=str(artifacts / "extract-01-review.png"), full_page=True)
    page.uncheck("input[name='o0.accept']")
    page.fill("input[name='c0.place']", "")  # the release means every place, not Changbai
    page.click("#accept-button")
    page.wait_for_selector("#accepted")
    accepted = page.locator("#accepted").inner_text()
    assert "Persons: 1 new" in accepted
    assert "Figures of other organisations: 1 new" in accepted
    assert "Context observations: 0 new" in accepted
    page.screenshot(path=str(artifacts / "extract-02-accepted.png"), full_page=True)
    visit.go("/claims")
    row = page.locator("#claims-table tr", has_text="Organisation Browser")
    expect(row).to_contain_text("at least 41 detained, July–August 2017")
    expect(row.locator("td").nth(3)).to_contain_text("at least")
    verdict = row.locator("td").nth(4).inner_text().strip()
    assert verdict in ("consistent", "short", "contradiction"), verdict
    page.screenshot(path=str(artifacts / "extract-03-claims.png"), full_page=True)
    assert visit.problems == []
    context.close()
    log = live_app.log_text()
    assert "Kim Canarya" not in log
    assert "North Korean refugees in July" not in log
