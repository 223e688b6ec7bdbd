"""A researcher's day in a real browser: sign in, enter a report with two persons, find one
by a Hangul name and by a romanised name, read the person's timeline, see the dashboard's
chart and map drawn, switch to Korean, sign out. A screenshot of each page is saved to
tests/web/browser/artifacts/, at laptop and at phone width.
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
PHONE = {"width": 390, "height": 844}


# The elements that reach past the right edge of the screen (to say what to fix).
WIDEST = """
[...document.querySelectorAll("body *")]
  .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(-5)
  .map((e) => `${e.tagName}#${e.id}.${e.className}: ${e.getBoundingClientRect().right}`)
"""


class Tour:
    """A page plus what it needs: the server's address, screenshots, and a record of
    anything the browser complained about (script errors, CSP refusals, failed loads)."""

    def __init__(self, page: Any, app: LiveApp, artifacts: Path) -> None:
        self.page = page
        self.app = app
        self.artifacts = artifacts
        self.problems: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.problems.append(f"console: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.problems.append(f"{response.status} for {response.url}")

    def go(self, path: str) -> None:
        self.page.goto(self.app.base_url + path)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.artifacts / f"{name}.png"), full_page=True)

    def assert_fits(self, name: str) -> None:
        """Nothing is wider than the screen (no sideways scrolling of the whole page)."""
        overflow = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 1:
            wide = self.page.evaluate(WIDEST)
            raise AssertionError(f"{name}: the page is {overflow}px wider than the screen: {wide}")


def sign_in(tour: Tour, role: str) -> None:
    tour.go("/sign-in")
    tour.page.fill("input[name=username]", role)
    tour.page.fill("input[name=password]", DEMO_PASSWORDS[role])
    tour.shot("01-sign-in")
    tour.page.click("main button[type=submit]")
    tour.page.wait_for_url(re.compile(r"^(?!.*/sign-in).*$"))


def fill_person(page: Any, index: int, **fields: str) -> None:
    for name, value in fields.items():
        selector = f"[name=m{index}_{name}]"
        if name in ("sex", "status"):
            page.select_option(selector, value)
        else:
            page.fill(selector, value)


def wait_for_chart_and_map(page: Any) -> None:
    page.wait_for_selector("#chart.chart-ready svg .mark-rect path", timeout=20_000)
    page.wait_for_selector("#map.outlines-ready .leaflet-overlay-pane path", timeout=20_000)
    page.wait_for_selector("#map.points-ready path.map-point", timeout=20_000)


def test_a_researcher_enters_a_report_finds_the_person_and_reads_the_dashboard(
    live_app: LiveApp, chromium: Any, artifacts: Path
) -> None:
    context = chromium.new_context(viewport=LAPTOP, locale="en-GB")
    tour = Tour(context.new_page(), live_app, artifacts)
    page = tour.page
    sign_in(tour, "researcher")

    # Enter one report that mentions two persons.
    tour.go("/intake")
    page.fill("input[name=source]", "Browser tour network (synthetic)")
    page.select_option("select[name=source_type]", "network")
    page.fill("input[name=reported_on]", "2017-08-20")
    page.fill("textarea[name=text]", "Two people from Musan were caught near Tumen on 15 July.")
    fill_person(
        page,
        0,
        name_hangul="김영철",
        name_latin="Kim Yong-chol",
        sex="M",
        age="34",
        apprehended_on="2017-07-15",
        apprehended_at="图们",
        held_at="Tumen border detention center",
        status="detained",
    )
    page.click("#add-mention")
    page.wait_for_selector("input[name=m1_name_hangul]")
    fill_person(
        page,
        1,
        name_hangul="박춘화",
        name_latin="Pak Chun-hwa",
        sex="F",
        apprehended_on="2017-07-15",
        apprehended_at="Tumen",
        status="returned",
        status_on="2017-08",
    )
    tour.shot("02-intake-form")
    page.click("#report-form button[type=submit]")
    page.wait_for_url(re.compile(r"/intake/batches/"))
    rows = page.locator("#batch-rows tbody tr")
    assert rows.count() == 2
    person_ids = [
        rows.nth(i).locator("a[href^='/persons/']").inner_text() for i in range(rows.count())
    ]
    tour.shot("03-report-saved")

    # Find the first person by the Hangul name, then by another romanisation.
    tour.go("/persons")
    page.fill("#q", "김영철")
    page.click("#name-search button[type=submit]")
    expect(page.locator("#results[data-searched] #persons-table")).to_contain_text(person_ids[0])
    assert "%EA%B9%80" not in page.url and "김영철" not in page.url
    tour.shot("04-search-hangul")
    tour.go("/persons")  # a fresh list: the next results can only come from the next search
    page.fill("#q", "Gim Young-chul")
    page.click("#name-search button[type=submit]")
    found = page.locator("#results[data-searched] #persons-table")
    expect(found).not_to_contain_text("박춘화")
    expect(found).to_contain_text(person_ids[0])
    assert person_ids[1] not in found.inner_text()
    tour.shot("05-search-romanised")

    # The person page: names in both scripts and the timeline with its sources.
    page.click(f"#persons-table a[href='/persons/{person_ids[0]}']")
    page.wait_for_selector("#timeline")
    timeline = page.locator("#timeline").inner_text()
    assert "apprehension" in timeline and "detention" in timeline
    assert "2017-07-15" in timeline and "Browser tour network (synthetic)" in timeline
    assert "김영철" in page.locator("#person-names").inner_text()
    tour.shot("06-person")

    # The filters update the list in place (htmx) and keep the address shareable.
    tour.go("/persons")
    page.click("summary:has-text('Filters')")
    page.select_option("#filters select[name=status]", "returned")
    page.select_option("#filters select[name=source]", label="Browser tour network (synthetic)")
    page.click("#filters button[type=submit]")
    expect(page.locator("#persons-table")).to_contain_text(person_ids[1])
    expect(page.locator("#persons-table")).not_to_contain_text(person_ids[0])
    assert "status=returned" in page.url

    # The dashboard draws its chart (Vega, SVG) and its map (Leaflet over local outlines).
    tour.go("/")
    wait_for_chart_and_map(page)
    tour.shot("07-dashboard")

    # Phone width: the same pages, laid out for a narrow screen.
    page.set_viewport_size(PHONE)
    page.reload()
    wait_for_chart_and_map(page)
    tour.shot("08-dashboard-phone")
    tour.assert_fits("dashboard at phone width")
    tour.go(f"/persons/{person_ids[0]}")
    tour.shot("09-person-phone")
    tour.assert_fits("person page at phone width")
    tour.go("/intake")
    tour.shot("10-intake-phone")
    tour.assert_fits("intake at phone width")
    page.set_viewport_size(LAPTOP)

    # Switch to Korean.
    tour.go("/")
    page.click("a[hreflang=ko]")
    page.wait_for_selector("html[lang=ko]")
    assert page.locator("main h1").inner_text() == "대시보드"
    wait_for_chart_and_map(page)
    tour.shot("11-dashboard-korean")

    # Sign out: the session is gone.
    page.click("form[action='/sign-out'] button")
    page.wait_for_url(re.compile(r"/sign-in"))
    tour.go("/persons")
    assert "/sign-in" in page.url
    tour.shot("12-signed-out")
    context.close()
    assert tour.problems == []


def test_an_uploaded_case_list_is_previewed_before_it_is_imported(
    live_app: LiveApp, chromium: Any, artifacts: Path, tmp_path: Path
) -> None:
    context = chromium.new_context(viewport=LAPTOP, locale="en-GB")
    tour = Tour(context.new_page(), live_app, artifacts)
    page = tour.page
    sign_in(tour, "researcher")
    good = tmp_path / "upload.csv"
    good.write_text(
        "source,record_id,name_latin,apprehended_on,apprehended_at,status\n"
        "Upload test list (synthetic),UPL-1,Choe Myong-nam,2017-07,Changbai,detained\n"
        "Upload test list (synthetic),UPL-2,Ri Song-ae,2017-07/2017-08,a hamlet upriver,detained\n",
        encoding="utf-8",
    )
    tour.go("/intake")
    page.set_input_files("#case-file", str(good))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#preview-summary")
    summary = page.locator("#preview-summary").inner_text()
    assert re.search(r"2\s*new", summary)
    assert "a hamlet upriver" in page.locator("#upload-preview").inner_text()
    tour.shot("13-upload-preview")
    page.click("#commit-form button[type=submit]")
    page.wait_for_url(re.compile(r"/intake/batches/"))
    assert page.locator("#batch-rows tbody tr").count() == 2
    tour.shot("14-upload-imported")

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "source,record_id,apprehended_on,status\n"
        "Upload test list (synthetic),UPL-3,July 2017,detained\n"
        "Upload test list (synthetic),UPL-4,2017-07,gone\n",
        encoding="utf-8",
    )
    tour.go("/intake")
    page.set_input_files("#case-file", str(bad))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#preview-errors")
    errors = page.locator("#preview-errors tbody").inner_text()
    assert "apprehended_on" in errors and "status" in errors
    assert page.locator("#commit-form").count() == 0
    tour.shot("15-upload-errors")
    context.close()
    # The bad upload answers 422 (the preview of errors); nothing else may fail.
    assert [p for p in tour.problems if "422" not in p] == []


def test_every_other_page_renders_cleanly_at_laptop_and_phone_width(
    live_app: LiveApp, chromium: Any, artifacts: Path
) -> None:
    for width_name, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
        context = chromium.new_context(viewport=viewport, locale="en-GB")
        tour = Tour(context.new_page(), live_app, artifacts)
        page = tour.page
        sign_in(tour, "admin")
        tour.go("/reports")
        report = page.locator("#reports-table a[href^='/reports/']").first.get_attribute("href")
        tour.shot(f"20-reports-{width_name}")
        tour.assert_fits(f"reports at {width_name} width")
        tour.go(str(report))
        expect(page.locator("main h1")).to_contain_text("Report of")
        tour.shot(f"21-report-{width_name}")
        tour.assert_fits(f"report at {width_name} width")
        tour.go("/sources")
        source = page.locator("#sources-table a[href^='/sources/']").first.get_attribute("href")
        tour.shot(f"22-sources-{width_name}")
        tour.assert_fits(f"sources at {width_name} width")
        tour.go(str(source))
        expect(page.locator("#grade-form")).to_be_visible()
        tour.shot(f"23-source-{width_name}")
        tour.assert_fits(f"source at {width_name} width")
        tour.go("/context")
        page.wait_for_selector("#context-chart.chart-ready svg", timeout=20_000)
        tour.shot(f"24-context-{width_name}")
        tour.assert_fits(f"context at {width_name} width")
        tour.go("/audit")
        expect(page.locator("#chain .chain-ok")).to_be_visible()
        tour.shot(f"25-audit-{width_name}")
        tour.assert_fits(f"audit at {width_name} width")
        tour.go("/persons")
        tour.shot(f"26-persons-{width_name}")
        tour.assert_fits(f"persons at {width_name} width")
        tour.go("/users")
        expect(page.locator("main h1")).to_be_visible()
        tour.shot(f"27-users-{width_name}")
        tour.assert_fits(f"users at {width_name} width")
        tour.go("/account")
        expect(page.locator("main h1")).to_be_visible()
        tour.shot(f"28-account-{width_name}")
        tour.assert_fits(f"account at {width_name} width")
        page.click("form[action='/sign-out'] button")
        page.wait_for_url(re.compile(r"/sign-in"))
        expect(page.locator("input[name=username]")).to_be_visible()
        tour.shot(f"29-sign-in-{width_name}")
        tour.assert_fits(f"sign-in at {width_name} width")
        context.close()
        assert tour.problems == []
