"""On a phone the main menu wraps onto as many lines as it needs: every entry is on the
screen, and nothing has to be scrolled sideways to be found (a sideways-scrolling menu
gave no hint that more entries were hidden)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.browser.conftest import LiveApp
from tests.web.browser.test_tour import PHONE, Tour, sign_in

pytestmark = pytest.mark.slow

MENU = """() => {
  const nav = document.querySelector('nav.mainnav');
  const width = document.documentElement.clientWidth;
  const links = [...nav.querySelectorAll('a')].map(a => {
    const r = a.getBoundingClientRect();
    return {text: a.textContent.trim(), left: r.left, right: r.right};
  });
  return {scrolls: nav.scrollWidth > nav.clientWidth + 1, width, links};
}"""


def test_every_menu_entry_is_on_a_phone_screen_without_sideways_scrolling(
    live_app: LiveApp, chromium: Any, artifacts: Path
) -> None:
    context = chromium.new_context(viewport=PHONE, locale="en-GB")
    tour = Tour(context.new_page(), live_app, artifacts)
    try:
        sign_in(tour, "admin")  # the role with the longest menu
        tour.go("/")
        menu = tour.page.evaluate(MENU)
        tour.shot("33-phone-menu")
    finally:
        context.close()
    assert len(menu["links"]) > 10
    assert not menu["scrolls"]
    off_screen = [
        link["text"]
        for link in menu["links"]
        if link["left"] < 0 or link["right"] > menu["width"] + 1
    ]
    assert off_screen == []
