"""Every page, for every role, passes axe-core with no serious or critical violation.

axe-core (from npm, pinned in package-lock.json, never copied here) is evaluated in the
page through the DevTools protocol, so the app's Content-Security-Policy stays as it is
and is not loosened for the test. The pages are the ones each role's menu offers, plus a
person, a report and a source page reached from the lists.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser.conftest import LiveApp
from tests.web.browser.test_tour import LAPTOP, Tour, sign_in

pytestmark = pytest.mark.slow

AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
ROLES = ("admin", "researcher", "analyst", "viewer")
RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    resultTypes: ["violations"],
  });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
}"""
# Links from the lists, so that a detail page of each kind is checked too.
DETAIL_LINKS = {
    "/persons": "main a[href^='/persons/P-']",
    "/reports": "#reports-table a[href^='/reports/']",
    "/sources": "#sources-table a[href^='/sources/']",
}


def _violations(tour: Tour) -> list[dict[str, Any]]:
    tour.page.wait_for_load_state("networkidle")
    tour.page.evaluate(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = tour.page.evaluate(RUN_AXE)
    return found


def _pages_of(tour: Tour) -> list[str]:
    links = tour.page.locator("nav.mainnav a[href^='/']")
    paths = [links.nth(i).get_attribute("href") or "" for i in range(links.count())]
    paths = [p for p in dict.fromkeys(paths) if p and not p.startswith("/api")]
    for listing, selector in DETAIL_LINKS.items():
        if listing in paths:
            tour.go(listing)
            first = tour.page.locator(selector).first
            if first.count():
                paths.append(first.get_attribute("href") or listing)
    return [*paths, "/account"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_every_role_has_no_serious_accessibility_violation(
    live_app: LiveApp, chromium: Any, artifacts: Path, role: str
) -> None:
    assert AXE.is_file(), "axe-core is missing: run `make assets` (npm ci)"
    context = chromium.new_context(viewport=LAPTOP, locale="en-GB")
    tour = Tour(context.new_page(), live_app, artifacts)
    report: dict[str, list[dict[str, Any]]] = {}
    try:
        tour.go("/sign-in")
        if found := _violations(tour):
            report["/sign-in"] = found
        # The harness finds what it should: an image with no text alternative is critical.
        tour.page.evaluate(
            "document.querySelector('main').append(Object.assign("
            "document.createElement('img'), {src: '/static/none.png'}))"
        )
        assert "image-alt" in {v["id"] for v in tour.page.evaluate(RUN_AXE)}
        sign_in(tour, role)
        pages = _pages_of(tour)
        assert len(pages) >= 4, pages
        for path in pages:
            tour.go(path)
            if found := _violations(tour):
                report[path] = found
    finally:
        context.close()
    assert report == {}, json.dumps(report, indent=1, ensure_ascii=False)
