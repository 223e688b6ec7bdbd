"""An analyst estimates the undocumented in a real browser: the demo (linked by record
linkage, as `refwatch demo` builds it), a log-linear estimate by source, the result and
its profile-likelihood plot drawn by Vega under the pages' CSP. Screenshots go to
tests/web/browser/artifacts/ (estimates-*).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from refwatch.simulate.load_demo import build_demo
from refwatch.store.keys import Secret
from tests.conftest import TEST_KDF
from tests.web.browser.conftest import DEMO_PASSWORDS, PASSPHRASE, LiveApp, serving
from tests.web.browser.test_tour import LAPTOP, PHONE, Tour, sign_in

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def linked_demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """The demo as `refwatch demo` builds it: linked by real record linkage (estimates
    need persons linked across lists)."""
    root = tmp_path_factory.mktemp("estimates-live")
    workspace = root / "demo"
    build_demo(workspace, Secret(passphrase=PASSPHRASE), root / "scratch", kdf=TEST_KDF, link=True)
    with serving(workspace, root) as app:
        yield app


def test_an_analyst_runs_a_log_linear_estimate_by_source_and_sees_the_plot(
    linked_demo_app: LiveApp, chromium: Any, artifacts: Path
) -> None:
    assert "analyst" in DEMO_PASSWORDS
    context = chromium.new_context(viewport=LAPTOP, locale="en-GB")
    tour = Tour(context.new_page(), linked_demo_app, artifacts)
    page = tour.page
    sign_in(tour, "analyst")

    page.click("nav.mainnav a[href='/estimates']")
    page.wait_for_selector("#estimate-form")
    assert page.locator("main h1").inner_text() == "Estimating the undocumented"
    tour.shot("estimates-01-form")

    # The latest linkage as it stands, with a profile interval: the profile curve.
    page.select_option("#estimate-form select[name=lists]", "source")
    page.select_option("#estimate-form select[name=method]", "loglinear")
    page.select_option("#estimate-form select[name=linkage]", "fixed")
    page.select_option("#estimate-form select[name=interval]", "profile")
    page.fill("#estimate-form input[name=seed]", "2017")
    page.click("#estimate-form button[type=submit]", timeout=180_000)
    page.wait_for_selector("#estimate-summary", timeout=180_000)

    summary = page.locator("#estimate-summary")
    seen = int(summary.get_attribute("data-n") or 0)
    estimate = float(summary.get_attribute("data-estimate") or 0)
    assert seen > 0 and estimate >= seen
    expect(summary).to_contain_text("estimated in total")
    assert page.locator("#estimate-table tbody tr").count() == 1
    expect(page.locator("#estimate-table a.ledger-link")).to_have_text(re.compile(r"L-\d{6}"))
    expect(page.locator("#estimate-model")).to_contain_text("chosen by BIC")
    # Vega drew an SVG with the curve (a line mark) under the CSP.
    page.wait_for_selector("#estimate-chart.chart-ready svg .mark-line path", timeout=60_000)
    assert page.locator("#estimate-chart.chart-failed").count() == 0
    page.locator("#estimate-result").scroll_into_view_if_needed()
    tour.shot("estimates-02-result")

    # Linkage-aware (the default): 30 drawn linkages, each estimated; the plot is the
    # histogram of the replicates pooled over them, not one linkage's profile curve.
    assert page.locator("#estimate-form select[name=linkage]").input_value() == "fixed"
    page.select_option("#estimate-form select[name=linkage]", "aware")
    page.click("#estimate-form button[type=submit]", timeout=180_000)
    page.wait_for_selector("#estimate-summary", timeout=180_000)
    page.wait_for_selector("#estimate-chart.chart-ready svg .mark-rect path", timeout=60_000)
    assert page.locator("#estimate-chart svg .mark-line path").count() == 0
    assert page.locator("#estimate-form select[name=linkage]").input_value() == "aware"

    page.set_viewport_size(PHONE)
    page.wait_for_selector("#estimate-chart svg")
    tour.shot("estimates-03-result-phone")
    context.close()
    assert tour.problems == []


def test_an_analyst_leaves_a_list_out_and_the_estimate_says_so(
    linked_demo_app: LiveApp, chromium: Any, artifacts: Path
) -> None:
    """The "Lists to leave out" checkboxes: tick one source, estimate, and the note names
    it; the tick is kept on the answered form, and the lists table no longer has it."""
    context = chromium.new_context(viewport=LAPTOP, locale="en-GB")
    tour = Tour(context.new_page(), linked_demo_app, artifacts)
    page = tour.page
    sign_in(tour, "analyst")
    page.goto(linked_demo_app.base_url + "/estimates")
    boxes = page.locator("#leave-out-source input[type=checkbox]")
    assert boxes.count() >= 4, "the demo's sources are offered"
    name = boxes.nth(0).get_attribute("value") or ""
    assert name
    page.select_option("#estimate-form select[name=lists]", "source")
    page.select_option("#estimate-form select[name=linkage]", "fixed")
    page.select_option("#estimate-form select[name=interval]", "profile")
    page.fill("#estimate-form input[name=seed]", "2017")
    box = boxes.nth(0)
    box.check()
    page.click("#estimate-form button[type=submit]", timeout=180_000)
    page.wait_for_selector("#estimate-summary", timeout=180_000)
    expect(page.locator("#estimate-notes")).to_contain_text(f"left out of this estimate: {name}.")
    assert page.locator("#leave-out-source input[type=checkbox]").nth(0).is_checked()
    assert f"{name} (" not in page.locator("#estimate-result").inner_text()
    tour.shot("estimates-04-left-out")
    context.close()
    assert tour.problems == []
