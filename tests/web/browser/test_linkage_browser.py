"""Linkage in a real browser: a researcher opens /linkage, presses "Run linkage", watches
the status (htmx polling) until the page reloads with the run listed and the review
queue filled, answers the first pair "not the same" with a reason, sees the pair leave
the queue and the decision listed, and finds the merge and split forms on a person page.
Screenshots go to tests/web/browser/artifacts/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.browser.conftest import LiveApp
from tests.web.browser.test_tour import LAPTOP, Tour, sign_in

pytestmark = pytest.mark.slow


def test_a_researcher_runs_linkage_and_answers_a_pair(
    live_app: LiveApp, chromium: Any, artifacts: Path
) -> None:
    context = chromium.new_context(viewport=LAPTOP, locale="en-GB")
    tour = Tour(context.new_page(), live_app, artifacts)
    page = tour.page
    sign_in(tour, "researcher")

    page.click("nav.mainnav a[href='/linkage']")
    page.wait_for_selector("#linkage-run-form")
    tour.shot("linkage-01-before-run")

    # The button posts with htmx; the status is polled until the run ends, then the
    # page reloads itself with the run in the table and the queue of the new run.
    page.click("#linkage-run-form button[type=submit]")
    page.wait_for_selector("#linkage-finished", timeout=180_000)
    expect(page.locator("#runs-table tbody tr").first).to_contain_text("researcher")
    expect(page.locator("#runs-table tbody tr").first).to_contain_text("finished")
    first = page.locator("article.pair").first
    expect(first).to_be_visible()
    pair = (first.get_attribute("data-mention-a"), first.get_attribute("data-mention-b"))
    weights = page.locator("#pair-1-weights").inner_text()
    assert "name" in weights and "total" in weights
    tour.shot("linkage-02-after-run")

    # Answer the first pair; the page comes back without it and lists the decision.
    page.fill("#pair-1-form input[name=reason]", "different birth years, browser test")
    page.click("#pair-1-form button[value=different]")
    page.wait_for_selector("#decisions-table")
    expect(page.locator("#decisions-table")).to_contain_text("different birth years")
    expect(page.locator("#decisions-table")).to_contain_text("Not the same")
    left = [
        (a.get_attribute("data-mention-a"), a.get_attribute("data-mention-b"))
        for a in page.locator("article.pair").all()
    ]
    assert pair not in left
    tour.shot("linkage-03-answered")

    # The person page offers merge and split to a researcher.
    page.locator("#pair-1-evidence a[href^='/persons/']").first.click()
    page.wait_for_selector("#merge-form")
    tour.shot("linkage-04-person-merge-split")
    context.close()
    assert tour.problems == []
