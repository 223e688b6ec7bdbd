"""Active filters as removable chips (issue 18, item 1): a filter the address sets reads as
set, each chip's link drops exactly that filter, and nothing the address carries can turn
a chip into markup."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from refwatch.store.crypto import FieldCipher
from tests.conftest import row
from tests.web.conftest import WebEnv
from tests.web.evidence_helpers import load_rows

SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}
CHIP = re.compile(r'<li class="filter-chip" data-param="([a-z_]+)">(.*?)</li>', re.S)


def chips(page: str) -> dict[str, tuple[str, str]]:
    """param → (the chip's text, its removal link's address)."""
    found = {}
    for param, body in CHIP.findall(page):
        href = unescape(re.search(r'href="([^"]*)"', body).group(1))  # type: ignore[union-attr]
        text = unescape(re.sub(r"<[^>]+>", "", body.split("<a ")[0])).strip()
        found[param] = (text, href)
    return found


def test_hostile_values_in_the_address_are_shown_as_text_never_markup(web: WebEnv) -> None:
    client = web.sign_in("admin")
    evil = '"><script>alert(1)</script>'
    page = client.get("/audit", params={"actor": evil, "action": "<b>x</b>"}).text
    assert "<script>alert(1)" not in page and "<b>x</b>" not in page
    found = chips(page)
    assert found["actor"][0] == f"Actor: {evil}"
    # The removal link is a path on this site with the other filter kept, never a new host.
    href = found["actor"][1]
    assert href.startswith("/audit") and "//" not in href
    assert dict(parse_qsl(urlsplit(href).query)) == {"action": "<b>x</b>"}


def test_a_page_without_filters_shows_no_chips(web: WebEnv) -> None:
    page = web.sign_in("analyst").get("/counts").text
    assert 'id="active-filters"' not in page
    # No grey example text inside a field that could read as a value.
    assert "placeholder=" not in page.split('id="count-form"')[1].split("</form>")[0]


def test_each_chip_removes_its_own_filter_and_keeps_the_others(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    load_rows(
        web,
        cipher,
        tmp_path,
        [row(**SDC, record_id="r1", apprehended_on="2017-07-13", sex="F", status="detained")],
    )
    client = web.sign_in("analyst")
    params = [
        ("event", "apprehension"),
        ("from", "2017-07"),
        ("to", "2017-08"),
        ("flag", "child"),
        ("flag", "older"),
        ("status", "detained"),
    ]
    page = client.get("/counts", params=params).text
    found = {}
    for param, body in CHIP.findall(page):
        found.setdefault(param, []).append(body)
    assert set(found) == {"event", "from", "to", "flag", "status"}
    assert len(found["flag"]) == 2  # one chip per value of a repeated filter
    by_param = chips(page)
    text, href = by_param["status"]
    assert text == "Status: detained"
    kept = parse_qsl(urlsplit(href).query)
    assert ("status", "detained") not in kept and len(kept) == len(params) - 1
    # Following a chip's link gives a page where that filter is gone and the others stay.
    after = client.get(href).text
    assert "status" not in chips(after) and {"event", "from", "to", "flag"} <= set(chips(after))
    assert 'class="chip-clear"' in page


def test_chips_read_in_korean_with_the_values_as_labels(web: WebEnv) -> None:
    client = web.sign_in("analyst")
    page = client.get(
        "/counts", params={"event": "apprehension", "status": "returned", "lang": "ko"}
    ).text
    found = chips(page)
    assert "lang" not in found
    assert found["status"][0].startswith("상태") and "returned" not in found["status"][0]
    assert 'aria-label="적용된 조건"' in page
