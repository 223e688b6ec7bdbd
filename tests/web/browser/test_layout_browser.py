"""A broken layout fails: on every page of every role's menu, at laptop and phone width, in
English and in Korean, no text overflows its box and no id or code is broken across lines.

What is measured, in the page itself:
- overflow: an element that holds text of its own, is shown, and is not meant to scroll
  (overflow auto/scroll/hidden, form fields, the visually hidden) has scrollWidth larger
  than clientWidth — its words stick out of the box;
- a broken token: a `code` element, a link to a person or a ledger entry (whose text is
  an id), a badge or a table cell, holding one word and no other element, whose text lays
  out in more than one line box (Range.getClientRects gives one rectangle per line).
The harness first proves it catches both, on a planted overflow and a planted broken id.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests import figures
from tests.web.browser.conftest import LiveApp
from tests.web.browser.test_accessibility import _pages_of
from tests.web.browser.test_tour import LAPTOP, Tour, sign_in

pytestmark = pytest.mark.slow

PHONE_375 = {"width": 375, "height": 812}
ROLES = ("admin", "researcher", "analyst", "viewer")
# Elements whose text, when it is one token, must not break: ids, code, table cells
# (a place name or a code split in a narrow column: "Shenyan g", "capacity_ch ange").
TOKENS = "code, a[href^='/persons/P-'], a[href^='/ledger/'], .id, td, th, .badge"
LAYOUT_PROBLEMS = """(tokens) => {
  const found = [];
  const describe = (e) => {
    const text = (e.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 40);
    const classes = typeof e.className === "string" && e.className
      ? "." + e.className.split(" ").join(".") : "";
    return `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}${classes} «${text}»`;
  };
  const scrolls = (style) => ["auto", "scroll", "hidden", "clip"].includes(style.overflowX);
  for (const e of document.querySelectorAll("body *")) {
    const skipped = "svg, .leaflet-container, .vega-embed, .visually-hidden, script, style";
    if (e.closest(skipped)) continue;
    if (["INPUT", "SELECT", "TEXTAREA", "OPTION", "BUTTON", "IMG"].includes(e.tagName)) continue;
    const ownText = [...e.childNodes].some(
      (n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim() !== "");
    if (!ownText || e.getClientRects().length === 0) continue;
    const style = getComputedStyle(e);
    if (style.display.startsWith("inline") && style.display !== "inline-block") continue;
    if (scrolls(style) || style.visibility === "hidden") continue;
    if (e.scrollWidth > e.clientWidth + 1) {
      found.push(`overflows its box by ${e.scrollWidth - e.clientWidth}px: ${describe(e)}`);
    }
  }
  for (const e of document.querySelectorAll(tokens)) {
    if (e.closest("svg, .visually-hidden") || e.getClientRects().length === 0) continue;
    if (e.children.length > 0) continue;  // a leaf: its text is the token
    if (e.closest(".wrap")) continue;  // meant to wrap anywhere (a URI, a JSON detail)
    const text = (e.textContent || "").trim();
    if (!text || text.length > 60 || /\\s/.test(text)) continue;  // one token only
    const range = document.createRange();
    range.selectNodeContents(e);
    const lines = new Set([...range.getClientRects()]
      .filter((r) => r.width > 0).map((r) => Math.round(r.top)));
    if (lines.size > 1) found.push(`broken over ${lines.size} lines: ${describe(e)}`);
  }
  return found;
}"""


def layout_problems(tour: Tour) -> list[str]:
    tour.page.wait_for_load_state("networkidle")
    found: list[str] = tour.page.evaluate(LAYOUT_PROBLEMS, TOKENS)
    return found


def _proves_it_catches_planted_faults(tour: Tour) -> None:
    tour.page.evaluate(
        """() => {
          const box = document.createElement("p");
          box.id = "planted-overflow";
          box.style.width = "4rem";
          box.style.whiteSpace = "nowrap";
          box.textContent = "capacity_change capacity_change";
          const id = document.createElement("code");
          id.id = "planted-id";
          id.style.display = "inline-block";
          id.style.width = "2rem";
          id.style.overflowWrap = "anywhere";
          id.style.whiteSpace = "normal";
          id.textContent = "P-000001";
          document.querySelector("main").append(box, id);
        }"""
    )
    found = layout_problems(tour)
    assert any("planted-overflow" in f and "overflows" in f for f in found), found
    assert any("planted-id" in f and "broken" in f for f in found), found
    tour.page.reload()


@pytest.mark.parametrize("role", ROLES)
def test_no_page_of_any_role_overflows_or_breaks_an_id(
    live_app: LiveApp, chromium: Any, artifacts: Path, role: str
) -> None:
    report: dict[str, list[str]] = {}
    checked = 0
    for width_name, viewport in (("laptop", LAPTOP), ("phone", PHONE_375)):
        context = chromium.new_context(viewport=viewport, locale="en-GB")
        tour = Tour(context.new_page(), live_app, artifacts)
        try:
            sign_in(tour, role)
            if width_name == "laptop":
                _proves_it_catches_planted_faults(tour)
            pages = _pages_of(tour)
            assert len(pages) >= 4, pages
            for lang in ("en", "ko"):
                for path in pages:
                    joiner = "&" if "?" in path else "?"
                    tour.go(f"{path}{joiner}lang={lang}")
                    where = f"{width_name} {lang} {path}"
                    checked += 1
                    if found := layout_problems(tour):
                        report[where] = found[:8]
                    if lang == "ko" and path == pages[0]:
                        tour.shot(f"layout-{role}-{width_name}-ko")
        finally:
            context.close()
    figures.record(
        f"layout[{role}]", "page views checked (pages x 2 widths x 2 languages)", checked
    )
    assert report == {}, json.dumps(report, indent=1, ensure_ascii=False)
