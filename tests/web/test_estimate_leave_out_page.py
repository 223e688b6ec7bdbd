"""The estimates page's "Lists to leave out": hostile input first, then the round trip.

Why: a list that overlaps no other blocks the default estimate and the refusal says
"leave it out"; the form must offer the workspace's lists to leave out, point at that
field from the refusal, and give exactly the library's estimate with the list left out.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from refwatch.counting.ledger import read_entry
from refwatch.estimate import EstimateOptions, estimate_from_workspace
from refwatch.intake.importer import import_files
from refwatch.store.crypto import FieldCipher
from tests.conftest import write_csv
from tests.estimate.test_leave_out import LONE, OTHERS, _lone_rows
from tests.estimate.test_workspace import _people_rows, link_by_key
from tests.web.conftest import WebEnv, csrf_of
from tests.web.test_estimate_pages import (
    KOREAN,
    LEDGER_LINK,
    expected_rows,
    ledger_count,
    refusal_of,
    shown_rows,
)

FORM = {"lists": "source", "method": "loglinear", "interval": "profile", "linkage": "fixed"}


@pytest.fixture
def lone(web: WebEnv, cipher: FieldCipher, tmp_path: Path) -> WebEnv:
    """Four overlapping sources and a fifth that shares nobody."""
    rows = _people_rows(80) + _lone_rows(6)
    import_files(web.workspace, cipher, [write_csv(tmp_path / "l.csv", rows)], actor="test")
    link_by_key(web.workspace)
    return web


def post(client: TestClient, form: dict[str, Any], **kwargs: Any) -> Any:
    return client.post("/estimates", data={**form, "csrf_token": csrf_of(client)}, **kwargs)


def test_without_a_token_or_as_a_viewer_nothing_is_estimated(lone: WebEnv) -> None:
    analyst = lone.sign_in("analyst")
    no_token = analyst.post("/estimates", data={**FORM, "seed": "1", "leave_out": [LONE]})
    assert no_token.status_code == 403
    viewer = lone.sign_in("viewer")
    assert viewer.get("/estimates").status_code == 403
    assert post(viewer, {**FORM, "seed": "1", "leave_out": [LONE]}).status_code == 403
    assert ledger_count(lone.workspace) == 0


def test_hostile_lists_to_leave_out_are_refused_plainly_and_nothing_is_recorded(
    lone: WebEnv,
) -> None:
    analyst = lone.sign_in("analyst")
    junk = [f"<script>alert({k})</script>" for k in range(500)] + ["x" * 100_000, "a\nb"]
    page = post(analyst, {**FORM, "seed": "1", "leave_out": junk})
    assert page.status_code == 200
    assert "<script>alert(" not in page.text
    refusal = refusal_of(page.text)
    assert "Lists to leave out: no list is called" in refusal
    assert all(name in refusal for name in (*OTHERS, LONE))
    # a type ticked while lists are sources: said next to the field, not ignored
    mixed = post(analyst, {**FORM, "seed": "1", "leave_out_type": ["media"]})
    assert mixed.status_code == 422
    assert 'id="err-leave_out"' in mixed.text and "Tick lists of the kind chosen" in mixed.text
    every = post(analyst, {**FORM, "seed": "1", "leave_out": [*OTHERS, LONE]})
    assert "every list is left out" in refusal_of(every.text)
    assert ledger_count(lone.workspace) == 0


def test_the_refusal_of_a_list_apart_names_it_and_points_at_the_field(lone: WebEnv) -> None:
    analyst = lone.sign_in("analyst")
    offered = analyst.get("/estimates").text
    assert 'id="leave-out"' in offered and "Lists to leave out" in offered
    for name in (*OTHERS, LONE):
        assert f'name="leave_out" value="{name}"' in offered, name
    assert 'name="leave_out_type" value="media"' in offered
    page = post(analyst, {**FORM, "seed": "1"})
    refusal = refusal_of(page.text)
    assert f"Lists to leave out: no one on list {LONE} is on any other list" in refusal
    assert 'href="#leave-out"' in refusal
    korean = post(analyst, {**FORM, "seed": "1"}, headers=KOREAN)
    assert "추정에서 뺄 목록:" in refusal_of(korean.text)
    assert "is on any other list" not in korean.text
    assert ledger_count(lone.workspace) == 0


def test_leaving_the_list_out_gives_the_librarys_estimate_and_the_ledger_keeps_it(
    lone: WebEnv,
) -> None:
    analyst = lone.sign_in("analyst")
    page = post(analyst, {**FORM, "seed": "5", "leave_out": [LONE]})
    assert page.status_code == 200, page.text[:2000]
    library = estimate_from_workspace(
        lone.workspace,
        leave_out=[LONE],
        options=EstimateOptions(interval="profile", linkage="fixed", seed=5),
    )
    shown, expected = shown_rows(page.text), expected_rows(library)
    assert shown.keys() == expected.keys() == {"total"}
    assert shown["total"] == pytest.approx(expected["total"], rel=1e-12)
    assert f'name="leave_out" value="{LONE}" checked' in page.text, "the tick is kept"
    text = html.unescape(page.text)
    assert f"left out of this estimate: {LONE}." in text
    assert "(6 persons were seen on left-out lists alone and are not counted)" in text
    ids = LEDGER_LINK.findall(page.text)
    assert len(ids) == 1
    entry = read_entry(lone.workspace, ids[0])
    assert entry["query"]["leave_out"] == [LONE] and entry["at_least"] == 80
    ledger = analyst.get(f"/ledger/{ids[0]}").text
    assert re.search(r'id="estimate-verdict" class="notice"', ledger)
    assert f"Lists left out, then and again today: {LONE}" in html.unescape(ledger)
    korean = post(analyst, {**FORM, "seed": "5", "leave_out": [LONE]}, headers=KOREAN)
    assert f"이 추정에서 뺀 목록: {LONE}." in html.unescape(korean.text)
