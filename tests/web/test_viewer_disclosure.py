"""Issue 17, item 4: the viewer's disclosure rule, the same on every surface that shows
counts (`refwatch.web.count_disclosure`).

The attacks: `/api/v1/counts` gave a viewer breakdowns by source and source filters
without `sources.view`; each call wrote a ledger entry the viewer's page button may not
write; walking `/ledger/L-…` showed researchers' by-source entries; and a viewer's
cross-tabulation (e.g. pregnant × facility: 1) showed cells the public fact sheet hides."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from refwatch.counting import count_persons
from refwatch.publish.disclosure import DEFAULT_THRESHOLD, has_small_numbers, suppress_count
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import table_of
from refwatch.store.schema_ledger import LedgerEntry
from tests.web.conftest import WebEnv
from tests.web.evidence_helpers import load_rows
from tests.web.test_counts_pages import more_rows


@pytest.fixture
def loaded(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> WebEnv:
    load_rows(web, cipher, tmp_path, sample_rows + more_rows())
    return web


def _ledger_size(web: WebEnv) -> int:
    with web.workspace.read() as conn:
        return int(
            conn.execute(select(func.count()).select_from(table_of(LedgerEntry))).scalar_one()
        )


def test_a_viewer_cannot_count_by_source_through_the_api(loaded: WebEnv) -> None:
    viewer = loaded.sign_in("viewer")
    for query in ("by=source", "source=Family%20contacts", "by=sex&by=source"):
        answer = viewer.get(f"/api/v1/counts?{query}")
        assert answer.status_code == 403, query
        assert "Family contacts" not in answer.text
    assert loaded.sign_in("analyst").get("/api/v1/counts?by=source").status_code == 200


def test_a_viewers_api_count_writes_no_ledger_entry(loaded: WebEnv) -> None:
    before = _ledger_size(loaded)
    answer = loaded.sign_in("viewer").get("/api/v1/counts?event=apprehension")
    assert answer.status_code == 200 and answer.json()["ledger_id"] is None
    assert _ledger_size(loaded) == before
    analyst = loaded.sign_in("analyst").get("/api/v1/counts?event=apprehension").json()
    assert analyst["ledger_id"] is not None and _ledger_size(loaded) == before + 1


def test_a_viewer_walking_ledger_ids_cannot_read_a_by_source_entry(loaded: WebEnv) -> None:
    researcher = loaded.sign_in("researcher")
    by_source = researcher.get("/api/v1/counts?by=source").json()["ledger_id"]
    filtered = researcher.get("/api/v1/counts?source=Family%20contacts").json()["ledger_id"]
    viewer = loaded.sign_in("viewer")
    for entry_id in (by_source, filtered):
        answer = viewer.get(f"/ledger/{entry_id}")
        assert answer.status_code == 404, entry_id
        assert "Family contacts" not in answer.text
        assert researcher.get(f"/ledger/{entry_id}").status_code == 200


def test_a_viewers_cross_tabulation_hides_small_cells_like_the_public_fact_sheet(
    loaded: WebEnv,
) -> None:
    query = [("event", "apprehension"), ("by", "place"), ("by", "sex")]
    expected = count_persons(loaded.workspace, event="apprehension", by=["place", "sex"])
    small = [c for c in expected.cells if has_small_numbers([c.at_least, c.at_most])]
    assert small, "the test needs a small cell"
    viewer = loaded.sign_in("viewer").get("/api/v1/counts?" + urlencode(query)).json()
    cells = {tuple(c["key"].values()): c for c in viewer["cells"]}
    for cell in small:
        shown = cells[tuple(cell.key)]
        assert shown["suppressed"] and shown["at_least"] is None and shown["at_most"] is None
    for shown in cells.values():
        values = [shown["at_least"], shown["at_most"]]
        assert not has_small_numbers([v for v in values if v is not None])
    total, public = suppress_count(
        (expected.at_least, expected.at_most),
        [(tuple(c.key), c.at_least, c.at_most) for c in expected.cells],
        DEFAULT_THRESHOLD,
    )
    assert [c.suppressed for c in public] == [cells[c.key]["suppressed"] for c in public]
    assert viewer["suppressed"] == total.suppressed
    analyst = loaded.sign_in("analyst").get("/api/v1/counts?" + urlencode(query)).json()
    assert not any(c["suppressed"] for c in analyst["cells"])
    page = loaded.sign_in("viewer").get("/counts?" + urlencode(query))
    assert page.status_code == 200


def test_a_viewers_small_total_is_not_shown_on_the_page_or_the_api(loaded: WebEnv) -> None:
    query = {"event": "apprehension", "from": "2017-07", "to": "2017-07"}
    expected = count_persons(
        loaded.workspace, event="apprehension", period_from="2017-07", period_to="2017-07"
    )
    assert has_small_numbers([expected.at_least, expected.at_most])
    viewer = loaded.sign_in("viewer")
    api = viewer.get("/api/v1/counts?" + urlencode(query)).json()
    assert api["suppressed"] and api["at_least"] is None and api["at_most"] is None
    page = viewer.get("/counts?" + urlencode(query)).text
    assert "Numbers this small are not shown to your role" in page
    assert 'id="at-least"' not in page


def test_a_viewers_dashboard_shows_no_small_number_on_its_tiles_chart_or_map(
    loaded: WebEnv,
) -> None:
    """The dashboard is a surface too: its status tiles, monthly chart and map points."""
    viewer = loaded.sign_in("viewer")
    analyst = loaded.sign_in("analyst")
    months = viewer.get("/dashboard/apprehensions.json").json()["months"]
    full = analyst.get("/dashboard/apprehensions.json").json()["months"]
    assert any(has_small_numbers([m["at_least"], m["at_most"]]) for m in full)
    for seen in months:
        assert not has_small_numbers([v for v in (seen["at_least"], seen["at_most"]) if v])
    points = viewer.get("/dashboard/map.json").json()
    all_points = analyst.get("/dashboard/map.json").json()
    assert any(p["persons"] < DEFAULT_THRESHOLD for p in all_points["places"])
    for kind in ("places", "facilities"):
        for point in points[kind]:
            assert point["persons"] >= DEFAULT_THRESHOLD
            assert point.get("held") is None or not has_small_numbers([point["held"]])
    page = viewer.get("/").text
    tiles = re.findall(r'class="tile-number">([^<]*)<', page)
    assert tiles and all(
        t == "" or int(t.replace(",", "")) == 0 or int(t.replace(",", "")) >= 5 for t in tiles
    )
