"""The dashboard: persons by status, apprehensions per month with bounds, the urgent-action
list longest held first, the map's points, and what a viewer may see of it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from refwatch.alerts.settings import save_settings
from refwatch.counting import count_persons
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import reports, sources
from refwatch.web.caches import WebCaches
from tests.conftest import row
from tests.web.conftest import WebEnv
from tests.web.evidence_helpers import ids_in_order, load_rows


def tile(html: str, status: str) -> int:
    start = html.index(f"tile-{status}")
    number = html.index('class="tile-number">', start) + len('class="tile-number">')
    return int(html[number : html.index("<", number)].replace(",", ""))


def test_the_dashboard_counts_persons_by_status_now(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    page = web.sign_in("researcher").get("/").text
    assert tile(page, "detained") == 2
    assert tile(page, "returned") == 1
    assert tile(page, "released") == tile(page, "safe") == tile(page, "unknown") == 0


def test_the_dashboard_says_what_the_counting_engine_counts(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    page = web.sign_in("researcher").get("/").text
    for status in ("detained", "returned", "unknown"):
        counted = count_persons(web.workspace, status=status)
        assert counted.at_least == counted.at_most == tile(page, status), status


def test_the_urgent_list_shows_persons_still_held_longest_held_first(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    page = web.sign_in("analyst").get("/").text
    # P-000003 was certainly held by 2017-07-31, P-000002 only by 2017-08-31;
    # P-000001 was returned and is not on the list.
    assert ids_in_order(page, "urgent-list") == ["P-000003", "P-000002"]
    assert "≥" in page


def urgent_cells(html: str, person_id: str) -> dict[str, str]:
    """The cells of a person's row in the urgent-action list, by their column label."""
    table = html[html.index('id="urgent-list"') : html.index("</table>", html.index("urgent-list"))]
    start = table.index(f'<a href="/persons/{person_id}">')
    row_html = table[start : table.index("</tr>", start)]
    cells = re.findall(r'<td data-label="([^"]+)">(.*?)</td>', row_html, re.S)
    return {label: re.sub(r"<[^>]+>", "", text).strip() for label, text in cells}


def test_the_urgent_list_counts_days_held_and_days_since_the_last_news(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    web.clock.offset = datetime(2018, 1, 1, 12, tzinfo=UTC) - datetime.now(UTC)
    page = web.sign_in("analyst").get("/").text
    # P-000003: held by 2017-07-31 at the latest; last news "2017-09" (until 2017-09-30).
    third = urgent_cells(page, "P-000003")
    assert third["Days held"] == "≥ 154" and third["Days since news"] == "93"
    # P-000002: held by 2017-08-31; last news the report of 2017-08-16.
    second = urgent_cells(page, "P-000002")
    assert second["Days held"] == "≥ 123" and second["Days since news"] == "138"
    assert second["Last confirmed"].startswith("last confirmed on 2017-08-16")
    web.clock.offset = datetime(2018, 1, 11, 12, tzinfo=UTC) - datetime.now(UTC)
    later = web.sign_in("analyst").get("/").text
    assert urgent_cells(later, "P-000003")["Days since news"] == "103"
    assert urgent_cells(later, "P-000002")["Days since news"] == "148"


def test_the_urgent_list_marks_old_news_unverified_and_sorts_by_last_confirmation(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    save_settings(web.workspace, "test", stale_days=100)
    web.clock.offset = datetime(2018, 1, 1, 12, tzinfo=UTC) - datetime.now(UTC)
    page = web.sign_in("analyst").get("/").text
    # 93 days since P-000003's last news, 138 since P-000002's: only the latter is stale.
    assert "unverified" not in urgent_cells(page, "P-000003")["Last confirmed"]
    assert urgent_cells(page, "P-000002")["Last confirmed"].endswith("unverified")
    by_news = web.sign_in("analyst").get("/?urgent_sort=news").text
    assert ids_in_order(by_news, "urgent-list") == ["P-000002", "P-000003"]
    # An unknown order falls back to the default, never to an error or raw input.
    odd = web.sign_in("analyst").get("/?urgent_sort=%3Cscript%3E").text
    assert ids_in_order(odd, "urgent-list") == ["P-000003", "P-000002"]
    assert "<script>" not in odd.split('id="urgent-list"', 1)[1]


def test_the_latest_reports_list_the_newest_report_first_for_a_researcher(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    late = row(source="Late news network", reported_on="2017-12-24", apprehended_on="2017-11")
    load_rows(web, cipher, tmp_path, [late], "late.csv")
    with web.workspace.read() as conn:
        by_source = dict(
            conn.execute(
                select(sources.c.name, reports.c.id).join(
                    reports, reports.c.source_id == sources.c.id
                )
            ).all()
        )
    page = web.sign_in("researcher").get("/").text
    section = page[
        page.index('id="reports-heading"') : page.index("</section>", page.index("reports-heading"))
    ]
    linked = re.findall(r'<a href="/reports/([^"]+)">([^<]*)</a>', section)
    assert linked[0] == (by_source["Late news network"], "2017-12-24")
    assert linked[1] == (by_source["Family contacts"], "2017-09")
    assert len(linked) == 4 and "Late news network" in section
    assert 'href="/reports"' in section
    assert "reports-heading" not in web.sign_in("viewer").get("/").text


def test_apprehensions_per_month_count_an_uncertain_month_only_as_at_most(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    months = web.sign_in("analyst").get("/dashboard/apprehensions.json").json()["months"]
    assert months == [
        {"month": "2017-07", "at_least": 2, "at_most": 3},
        {"month": "2017-08", "at_least": 0, "at_most": 1},
    ]


def test_the_map_places_persons_at_gazetteer_places_and_skips_unknown_ones(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    points = web.sign_in("analyst").get("/dashboard/map.json").json()
    places = {p["id"]: p for p in points["places"]}
    assert set(places) == {"cn-jilin-tumen", "cn-yunnan-xishuangbanna"}
    assert places["cn-jilin-tumen"]["persons"] == 1
    assert -90 <= places["cn-jilin-tumen"]["lat"] <= 90
    facilities = {f["id"]: f for f in points["facilities"]}
    assert facilities["fac-cn-tumen-border-detention"]["held"] == 0
    korean = web.sign_in("analyst").get("/dashboard/map.json?lang=ko").json()
    assert {p["name"] for p in korean["places"]} >= {"도문"}


def test_a_viewer_sees_the_figures_but_no_person_or_report(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    page = web.sign_in("viewer").get("/").text
    # Two detained: below 5, so a viewer's tile is empty (tests/web/test_viewer_disclosure.py).
    assert 'class="tile-number"></span>' in page
    assert tile(web.sign_in("analyst").get("/").text, "detained") == 2
    assert "P-00000" not in page and "/reports/" not in page and "urgent-list" not in page
    assert 'id="chart"' in page and 'id="map"' in page


def test_the_dashboard_follows_new_evidence_without_a_restart(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    browser = web.sign_in("researcher")
    load_rows(web, cipher, tmp_path, sample_rows[:1], "first.csv")
    assert tile(browser.get("/").text, "returned") == 1
    load_rows(web, cipher, tmp_path, sample_rows[1:], "second.csv")
    assert tile(browser.get("/").text, "detained") == 2


def test_reading_names_does_not_throw_the_summaries_away(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    browser = web.sign_in("researcher")
    browser.get("/")
    caches = web.app.state.evidence_caches
    assert isinstance(caches, WebCaches) and caches.snapshots is not None
    before = caches.snapshots._snapshot
    assert "Gim Songkook" in browser.get("/persons/P-000001").text  # an audited name read
    browser.get("/")
    assert caches.snapshots._snapshot is before
    load_rows(web, cipher, tmp_path, [row(source="New list", name_latin="Ko Un")], "new.csv")
    browser.get("/")
    assert caches.snapshots._snapshot is not before


def test_the_dashboard_checks_the_permissions_it_should(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> None:
    load_rows(web, cipher, tmp_path, sample_rows)
    browser = web.sign_in("viewer")
    web.app.state.permission_log = []
    assert browser.get("/").status_code == 200
    checked = {(path, permission) for _m, path, permission, _ok in web.app.state.permission_log}
    assert checked == {("/", "dashboard.view")}
