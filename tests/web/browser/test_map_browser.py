"""The dashboard map and the context chart say what they show, in a real browser.

Map: places are filled circles and facilities rings (two filled colours used to blend into
a purple that meant nothing), the largest are labelled, a tooltip counts "1 person" (not
"1 persons"), a click on a circle lists that place's persons, and a table under the map
holds every point (the map's text alternative). Context chart: a dated range is a bar, an
exact day a dot, and the axis names the year.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser.conftest import LiveApp
from tests.web.browser.test_tour import LAPTOP, Tour, sign_in, wait_for_chart_and_map

pytestmark = pytest.mark.slow


def _tooltip_of(page: Any, selector: str) -> str:
    # The event on that very circle (a pointer could land on an overlapping one).
    page.locator(selector).first.dispatch_event("mouseover")
    page.wait_for_selector(".leaflet-tooltip:not(.map-label)")
    text: str = page.locator(".leaflet-tooltip:not(.map-label)").last.inner_text()
    return text


def test_the_map_labels_its_circles_lists_them_and_filters_on_a_click(
    live_app: LiveApp, chromium: Any, artifacts: Path
) -> None:
    context = chromium.new_context(viewport=LAPTOP, locale="en-GB")
    tour = Tour(context.new_page(), live_app, artifacts)
    page = tour.page
    try:
        sign_in(tour, "researcher")
        tour.go("/")
        wait_for_chart_and_map(page)
        data = context.request.get(live_app.base_url + "/dashboard/map.json").json()
        points = len(data["places"]) + len(data["facilities"])
        # Two looks, not two fills: a facility's ring is not filled.
        fills = page.evaluate(
            """() => [...document.querySelectorAll("path.map-point")].map((p) =>
                 [p.classList.contains("facility"), getComputedStyle(p).fill])"""
        )
        assert {fill for facility, fill in fills if facility} == {"none"}
        assert all(fill != "none" for facility, fill in fills if not facility)
        assert len(fills) == points
        labels = page.locator(".leaflet-tooltip.map-label").all_inner_texts()
        assert 1 <= len(labels) <= points and all(labels)
        # The table under the map: every point, with its number of persons.
        rows = page.locator("#map-table tbody tr")
        assert rows.count() == points
        one = next(p for p in data["places"] + data["facilities"] if p["persons"] == 1)
        row = page.locator(f"#map-table tbody tr[data-place='{one['id']}']").first
        assert row.locator("td").nth(2).text_content() == "1"
        # A tooltip of a point with one person: singular.
        kind = "facility" if one in data["facilities"] else "place"
        index = (data["facilities"] if kind == "facility" else data["places"]).index(one)
        tooltip = _tooltip_of(page, f"path.map-point.{kind} >> nth={index}")
        assert "1 person " in tooltip + " " and "1 persons" not in tooltip
        # A click on the largest place lists its persons.
        biggest = max(data["places"], key=lambda p: p["persons"])
        position = data["places"].index(biggest)
        page.locator("path.map-point.place").nth(position).dispatch_event("click")
        page.wait_for_url(re.compile(r"/persons\?place="))
        assert f"place={biggest['id']}" in page.url
        assert page.locator("#persons-table tbody tr").count() > 0
        tour.shot("30-map-click")
    finally:
        context.close()
    assert tour.problems == []


def test_the_context_chart_draws_ranges_as_bars_with_the_year_on_its_axis(
    live_app: LiveApp, chromium: Any, artifacts: Path
) -> None:
    context = chromium.new_context(viewport=LAPTOP, locale="en-GB")
    tour = Tour(context.new_page(), live_app, artifacts)
    page = tour.page
    try:
        sign_in(tour, "analyst")
        tour.go("/context")
        page.wait_for_selector("#context-chart.chart-ready svg", timeout=20_000)
        data = context.request.get(live_app.base_url + "/context/observations.json").json()
        ranged = sum(o["ranged"] for o in data["observations"])
        exact = len(data["observations"]) - ranged
        assert ranged > 0
        bars = page.locator("#context-chart svg .mark-rect path").count()
        dots = page.locator("#context-chart svg .mark-symbol path").count()
        assert (bars, dots) == (ranged, exact)
        ticks = page.locator("#context-chart svg .role-axis-label text").all_text_contents()
        months = [t for t in ticks if re.fullmatch(r"\d{4}-\d{2}", t)]
        assert months and len(set(months)) == len(months), ticks
        tour.shot("31-context-chart")
    finally:
        context.close()
    assert tour.problems == []
