"""Counts and fact sheets in a real browser, on the demo workspace.

A viewer opens /counts, asks for apprehensions in July–August 2017 broken down by month,
reads "at least …" and sees the chart drawn (Vega, SVG, under the pages' strict CSP) and no
person id; an analyst records the count in the ledger, then makes a public fact sheet and
downloads its PDF. Screenshots go to tests/web/browser/artifacts/counts-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.browser.conftest import DEMO_PASSWORDS, LiveApp

pytestmark = pytest.mark.slow

LAPTOP = {"width": 1280, "height": 900}
PERSON_ID = re.compile(r"P-\d{6}")


class Visit:
    """A page that records what the browser complained about (script errors, CSP
    refusals, failed loads) and saves screenshots."""

    def __init__(self, page: Any, app: LiveApp, artifacts: Path) -> None:
        self.page = page
        self.app = app
        self.artifacts = artifacts
        self.problems: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on(
            "console",
            lambda m: (
                self.problems.append(f"console: {m.text}")
                if m.type == "error" and "Failed to load resource" not in m.text
                else None
            ),
        )
        page.on(
            "response",
            lambda r: (
                self.problems.append(f"{r.status} for {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico")
                else None
            ),
        )

    def go(self, path: str) -> None:
        self.page.goto(self.app.base_url + path)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.artifacts / f"counts-{name}.png"), full_page=True)

    def sign_in(self, role: str) -> None:
        self.go("/sign-in")
        self.page.fill("input[name=username]", role)
        self.page.fill("input[name=password]", DEMO_PASSWORDS[role])
        self.page.click("main button[type=submit]")
        self.page.wait_for_url(re.compile(r"^(?!.*/sign-in).*$"))


def ask_july_august(page: Any) -> None:
    page.select_option("#count-form select[name=event]", "apprehension")
    page.fill("#count-form input[name=from]", "2017-07")
    page.fill("#count-form input[name=to]", "2017-08")
    page.locator("#count-form select[name=by]").first.select_option("month")
    page.click("#count-form button[type=submit]")
    page.wait_for_selector("#count-sentence")


def test_a_viewer_counts_july_august_2017_and_sees_the_chart(
    live_app: LiveApp, chromium: Any, artifacts: Path
) -> None:
    context = chromium.new_context(viewport=LAPTOP, locale="en-GB")
    visit = Visit(context.new_page(), live_app, artifacts)
    page = visit.page
    visit.sign_in("viewer")
    visit.go("/counts")
    expect(page.locator("main h1")).to_have_text("Counts")
    visit.shot("01-form")
    ask_july_august(page)
    assert "from=2017-07" in page.url and "by=month" in page.url
    sentence = page.locator("#count-sentence").inner_text()
    assert re.search(r"at least \d+ \(up to \d+\)", sentence), sentence
    assert "apprehended between 2017-07-01 and 2017-08-31" in sentence
    page.wait_for_selector("#chart.chart-ready svg .mark-rect path", timeout=20_000)
    rows = page.locator("#breakdown-table tbody tr")
    assert rows.count() == 2
    assert PERSON_ID.findall(page.content()) == [], "a viewer sees figures, never ids"
    assert page.locator("#ledger-form").count() == 0
    visit.shot("02-viewer-july-august")
    context.close()
    assert visit.problems == []


def test_an_analyst_records_a_count_and_makes_a_public_fact_sheet(
    live_app: LiveApp, chromium: Any, artifacts: Path, tmp_path: Path
) -> None:
    context = chromium.new_context(viewport=LAPTOP, locale="en-GB", accept_downloads=True)
    visit = Visit(context.new_page(), live_app, artifacts)
    page = visit.page
    visit.sign_in("analyst")
    visit.go("/counts")
    ask_july_august(page)
    page.wait_for_selector("#chart.chart-ready svg .mark-rect path", timeout=20_000)
    assert page.locator("#person-ids a[href^='/persons/']").count() > 0
    page.fill("#ledger-form input[name=purpose]", "browser test")
    page.click("#record-button")
    page.wait_for_url(re.compile(r"/ledger/L-\d{6}"))
    expect(page.locator("#recorded-notice")).to_be_visible()
    expect(page.locator("#ledger-verdict")).to_contain_text("same numbers")
    visit.shot("03-ledger-entry")

    visit.go("/factsheets")
    page.fill("#factsheet-form input[name=from]", "2016-07-01")
    page.fill("#factsheet-form input[name=to]", "2017-09-30")
    page.check("#factsheet-form input[name=edition][value=public]")
    visit.shot("04-factsheet-form")
    page.click("#make-factsheet")
    page.wait_for_url(re.compile(r"/factsheets/[0-9a-f]{24}$"), timeout=120_000)
    preview = page.locator("#factsheet-preview")
    expect(preview).to_contain_text("Headline numbers")
    expect(preview).to_contain_text("Public edition")
    assert PERSON_ID.findall(preview.inner_html()) == []
    assert preview.locator("a[href^='/ledger/L-']").count() > 0
    visit.shot("05-public-factsheet")

    with page.expect_download() as download_info:
        page.click("#download-pdf")
    download = download_info.value
    saved = tmp_path / "factsheet.pdf"
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert download.suggested_filename.endswith("-public.pdf")
    context.close()
    assert visit.problems == []
