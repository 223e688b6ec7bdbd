"""A refused intake form puts the focus on the first field that needs attention, whose
error is its description (so a screen reader reads it), and says the reason once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.browser.conftest import LiveApp
from tests.web.browser.test_tour import LAPTOP, Tour, sign_in

pytestmark = pytest.mark.slow


def test_the_focus_lands_on_the_first_bad_field(
    live_app: LiveApp, chromium: Any, artifacts: Path
) -> None:
    context = chromium.new_context(viewport=LAPTOP, locale="en-GB")
    tour = Tour(context.new_page(), live_app, artifacts)
    page = tour.page
    try:
        sign_in(tour, "researcher")
        tour.go("/intake")
        page.fill("input[name=source]", "Focus test network (synthetic)")
        page.fill("input[name=m0_name_latin]", "Ri Focus")
        page.fill("input[name=m0_apprehended_on]", "2017-13-45")
        page.click("#report-form button[type=submit]")
        page.wait_for_selector("#err-m0_apprehended_on")
        focused = page.evaluate(
            "[document.activeElement.name, document.activeElement.getAttribute('aria-describedby')]"
        )
        assert focused == ["m0_apprehended_on", "err-m0_apprehended_on"]
        error = page.locator("#err-m0_apprehended_on").inner_text()
        assert error.count("not an EDTF date") == 1 and error.count("2017-13-45") == 1
        tour.shot("32-intake-error-focus")
    finally:
        context.close()
    assert [p for p in tour.problems if "422" not in p] == []
