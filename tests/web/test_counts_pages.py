"""The counts page, its chart data, the ledger button and the ledger page (issue 5).

Every number the page shows is compared with `count_persons` called on the same workspace
with the same filters (never a hard-coded figure): the page must be that function, not a
second implementation. Viewers get figures only; analysts see the pseudonymous ids.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refwatch.counting import count_persons, trend
from refwatch.counting.describe import cell_label, sentence
from refwatch.counting.ledger import read_entry, record_entry
from refwatch.domain.errors import InputError
from refwatch.publish.disclosure import has_small_numbers
from refwatch.store.crypto import FieldCipher
from tests.conftest import row
from tests.web.conftest import WebEnv
from tests.web.evidence_helpers import PERSON_ID, load_rows, post_form

SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}
LEDGER_ID = re.compile(r"/ledger/(L-\d{6})")


def more_rows() -> list[dict[str, str]]:
    """Besides the sample list: dated and undated apprehensions around July–August 2017."""
    return [
        row(
            **SDC,
            reported_on="2017-09-01",
            record_id="SEO-10",
            sex="F",
            age="7",
            apprehended_on="2017-08-05",
            apprehended_at="Tumen",
            status="detained",
            flags="child",
        ),
        row(
            **SDC,
            reported_on="2017-09-01",
            record_id="SEO-11",
            sex="M",
            age="35",
            apprehended_on="2017-06-20",
            apprehended_at="Kunming",
            status="returned",
            status_on="2017-08",
        ),
        row(
            **SDC,
            reported_on="2017-09-01",
            record_id="SEO-12",
            sex="F",
            age="62",
            apprehended_on="2017",
            apprehended_at="Yanji",
            status="detained",
            flags="older",
        ),
        row(
            **SDC,
            reported_on="2016-11-01",
            record_id="SEO-13",
            sex="M",
            age="40",
            apprehended_on="2016-10-02",
            apprehended_at="Shenyang",
            status="released",
            status_on="2016-12",
        ),
    ]


@pytest.fixture
def loaded(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path, sample_rows: list[dict[str, str]]
) -> WebEnv:
    load_rows(web, cipher, tmp_path, sample_rows + more_rows())
    return web


@pytest.fixture
def analyst(loaded: WebEnv) -> TestClient:
    return loaded.sign_in("analyst")


def figure(page: str, element_id: str) -> int:
    found = re.search(rf'id="{element_id}">([\d,]+)<', page)
    assert found, f"no #{element_id} on the page"
    return int(found.group(1).replace(",", ""))


def breakdown_rows(page: str) -> dict[str, tuple[list[str], int, int]]:
    """data-key → (labels, at least, up to) of the breakdown table."""
    start = page.index('id="breakdown-table"')
    table = page[start : page.index("</table>", start)]
    rows = {}
    for key, cells in re.findall(r'<tr data-key="([^"]*)">(.*?)</tr>', table):
        values = [html.unescape(v) for v in re.findall(r"<td[^>]*>(.*?)</td>", cells)]
        rows[html.unescape(key)] = (values[:-2], int(values[-2]), int(values[-1]))
    return rows


def engine_filters(params: dict[str, Any]) -> dict[str, Any]:
    """The form's fields as `count_persons` keywords (the names the CLI uses)."""
    names = {"from": "period_from", "to": "period_to", "flag": "flags"}
    out = {names.get(k, k): v for k, v in params.items() if k != "trend"}
    if "flags" in out and isinstance(out["flags"], str):
        out["flags"] = (out["flags"],)
    return out


QUESTIONS: list[dict[str, Any]] = [
    {},
    {"event": "apprehension", "from": "2017-07", "to": "2017-08"},
    {"event": "apprehension", "from": "2017-07", "to": "2017-07"},
    {"event": "detention", "from": "2017-07/2017-08", "to": "2017-09", "sex": "F"},
    {"place": "Yunnan"},
    {"place": "Tumen", "event": "apprehension"},
    {"flag": ["child"], "event": "detention"},
    {"flag": ["older", "ill"]},
    {"age_band": "0-17"},
    {"age_band": "60+", "sex": "F"},
    {"status": "detained", "as_of": "2017-09-30"},
    {"status": "returned", "as_of": "2017-08"},
    {"source": "Family contacts"},
    {"source_type": "ngo_list", "event": "apprehension", "from": "2017"},
]


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: urlencode(q, doseq=True) or "all")
def test_the_page_shows_count_persons_bounds_and_sentence_for_the_same_filters(
    loaded: WebEnv, question: dict[str, Any]
) -> None:
    page = loaded.sign_in("analyst").get("/counts?" + urlencode(question, doseq=True))
    assert page.status_code == 200, page.text
    expected = count_persons(loaded.workspace, **engine_filters(question))
    assert figure(page.text, "at-least") == expected.at_least
    assert figure(page.text, "at-most") == expected.at_most
    said = sentence(expected.query, expected.at_least, expected.at_most)
    assert html.escape(said, quote=False) in page.text
    assert f"at least {expected.at_least} (up to {expected.at_most})" in said


def test_an_uncertain_month_counts_in_up_to_only_and_the_page_says_so(loaded: WebEnv) -> None:
    """A date reported as 2017-07/2017-08 is certainly in July–August, possibly in July."""
    browser = loaded.sign_in("analyst")
    july = browser.get("/counts?event=apprehension&from=2017-07&to=2017-07").text
    both = browser.get("/counts?event=apprehension&from=2017-07&to=2017-08").text
    assert figure(july, "at-least") < figure(july, "at-most")
    assert figure(both, "at-least") > figure(july, "at-least")
    assert "at least" in july and "up to" in july


def test_a_breakdown_by_month_shows_each_cell_with_its_bounds_and_a_chart(
    loaded: WebEnv,
) -> None:
    question = {"event": "apprehension", "from": "2017-06", "to": "2017-09", "by": "month"}
    page = loaded.sign_in("analyst").get("/counts?" + urlencode(question)).text
    expected = count_persons(
        loaded.workspace,
        event="apprehension",
        period_from="2017-06",
        period_to="2017-09",
        by="month",
    )
    rows = breakdown_rows(page)
    assert len(rows) == len(expected.cells) == 4
    for cell in expected.cells:
        assert rows[cell.key[0]] == ([cell.key[0]], cell.at_least, cell.at_most)
    assert any(c.at_least < c.at_most for c in expected.cells), "the test needs an uncertain cell"
    chart = re.search(r'id="chart" class="chart"[^>]* data-src="([^"]+)"', page)
    assert chart, "a month breakdown draws a chart"
    assert "/assets/npm/vega-lite/build/vega-lite.min.js" in page
    data = loaded.sign_in("analyst").get(html.unescape(chart.group(1))).json()
    assert data["months"] == [
        {"month": c.key[0], "at_least": c.at_least, "at_most": c.at_most} for c in expected.cells
    ]


def test_a_two_way_breakdown_labels_places_and_draws_no_chart(loaded: WebEnv) -> None:
    """Places by the gazetteer's name, sexes by the labels table (female, not F)."""
    from refwatch.domain.labels import label

    question = [("event", "apprehension"), ("by", "place"), ("by", "sex")]
    page = loaded.sign_in("analyst").get("/counts?" + urlencode(question)).text
    expected = count_persons(loaded.workspace, event="apprehension", by=["place", "sex"])
    rows = breakdown_rows(page)
    assert len(rows) == len(expected.cells) > 2
    for cell in expected.cells:
        place, sex = cell.key
        labels = [cell_label("place", place), label(sex, "en", "sex")]
        assert rows["/".join(cell.key)] == (labels, cell.at_least, cell.at_most)
    assert 'id="chart"' not in page


def test_the_chart_data_follows_the_filters_and_refuses_bad_ones(loaded: WebEnv) -> None:
    browser = loaded.sign_in("analyst")
    answer = browser.get("/counts/chart.json?event=apprehension&from=2017-07&to=2017-08&sex=F")
    expected = count_persons(
        loaded.workspace,
        event="apprehension",
        period_from="2017-07",
        period_to="2017-08",
        sex="F",
        by="month",
    )
    assert [(m["at_least"], m["at_most"]) for m in answer.json()["months"]] == [
        (c.at_least, c.at_most) for c in expected.cells
    ]
    bad = browser.get("/counts/chart.json?from=2017-13")
    assert bad.status_code == 422 and "not an EDTF date" in bad.json()["detail"]
    too_many = "&".join(["flag=child"] * 2 + [f"flag=f{i}" for i in range(40)])
    refused = browser.get(f"/counts/chart.json?{too_many}")
    assert refused.status_code == 422 and refused.json()["detail"] == "too many values"
    korean = browser.get(f"/counts/chart.json?{too_many}&lang=ko")
    assert korean.status_code == 422
    assert korean.json()["detail"] == "값이 너무 많습니다", korean.json()


def test_the_trend_is_the_engine_trend_when_asked(loaded: WebEnv) -> None:
    question = {"event": "apprehension", "from": "2017-07", "to": "2017-08", "trend": "1"}
    page = loaded.sign_in("analyst").get("/counts?" + urlencode(question))
    assert page.status_code == 200
    expected = trend(
        loaded.workspace, event="apprehension", period_from="2017-07", period_to="2017-08"
    )
    said = expected.sentence()
    assert html.escape(said[0].upper() + said[1:], quote=False) in page.text
    assert 'id="trend-error"' not in page.text


def test_a_trend_without_a_period_says_why_and_still_shows_the_count(loaded: WebEnv) -> None:
    page = loaded.sign_in("viewer").get("/counts?event=apprehension&trend=1")
    assert page.status_code == 422
    assert 'id="trend-error"' in page.text and "needs both" in page.text
    assert (
        figure(page.text, "at-least")
        == count_persons(loaded.workspace, event="apprehension").at_least
    )


BAD_INPUT = [
    ({"from": "2017-13"}, "From: not an EDTF date"),
    ({"to": "yesterday"}, "To: not an EDTF date"),
    ({"from": "2017-09", "to": "2017-07"}, "is before"),
    ({"place": "Atlantis"}, "the gazetteer knows no place"),
    ({"age_band": "old"}, "Age band"),
    ({"event": "picnic"}, "Event takes one of"),
    ({"sex": "X"}, "Sex takes one of"),
    ({"flag": "brave"}, "Flags takes one of"),
    ({"status": "lost"}, "Status takes one of"),
    ({"as_of": "soon", "status": "detained"}, "As of: not an EDTF date"),
    ({"by": ["month", "place", "sex"]}, "one or two different dimensions"),
    ({"source_type": "oracle"}, "Type of source takes one of"),
    ({"source": "Nobody at all"}, "no source named"),
    ({"from": "x" * 300}, "too long"),
]


@pytest.mark.parametrize("question, message", BAD_INPUT, ids=[m for _, m in BAD_INPUT])
def test_bad_input_gets_a_clear_message_on_the_page_not_a_server_error(
    loaded: WebEnv, question: dict[str, Any], message: str
) -> None:
    page = loaded.sign_in("analyst").get("/counts?" + urlencode(question, doseq=True))
    assert page.status_code == 422, page.status_code
    error = re.search(r'<p class="error" role="alert" id="count-error">(.*?)</p>', page.text, re.S)
    assert error and message in html.unescape(error.group(1)), page.text[:3000]
    assert 'id="count-form"' in page.text, "the form stays, to correct the mistake"


field_text = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30),
    st.sampled_from(
        [
            "2017",
            "2017-07",
            "2017-07/2017-08",
            "2017?",
            "2017-XX",
            "..",
            "../2017",
            "2017-07/..",
            "-0001",
            "9999-12-31",
            "0001-01-01",
            "Yunnan",
            "图们",
            "60+",
        ]
    ),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.dictionaries(
        st.sampled_from(["from", "to", "place", "age_band", "as_of", "event", "status", "sex"]),
        field_text,
        max_size=4,
    ),
    by=st.lists(st.sampled_from(["month", "place", "status", "flag", "nonsense"]), max_size=3),
    trend_asked=st.booleans(),
)
def test_any_form_input_answers_a_page_never_a_server_error(
    analyst: TestClient, values: dict[str, str], by: list[str], trend_asked: bool
) -> None:
    query: list[tuple[str, str]] = [*values.items(), *(("by", b) for b in by)]
    if trend_asked:
        query.append(("trend", "1"))
    answer = analyst.get("/counts?" + urlencode(query))
    assert answer.status_code in (200, 422), (query, answer.status_code)
    assert 'id="count-form"' in answer.text


def test_viewers_get_the_figures_but_never_a_person_id(loaded: WebEnv) -> None:
    for question in (
        {"event": "apprehension"},
        {"by": "status", "as_of": "2017-09-30"},
        {"status": "detained", "as_of": "2017-09-30"},
    ):
        viewer = loaded.sign_in("viewer").get("/counts?" + urlencode(question)).text
        analyst = loaded.sign_in("analyst").get("/counts?" + urlencode(question)).text
        assert PERSON_ID.findall(viewer) == [], question
        expected = count_persons(loaded.workspace, **engine_filters(question))
        if has_small_numbers([expected.at_least, expected.at_most]):
            assert "Numbers this small are not shown to your role" in viewer, question
        else:
            assert figure(viewer, "at-most") == figure(analyst, "at-most")
        listed = re.findall(r'<a href="/persons/(P-\d{6})">', analyst)
        assert sorted(set(listed)) == sorted(expected.persons), question


def test_analysts_see_which_ids_count_in_at_least(loaded: WebEnv) -> None:
    page = loaded.sign_in("analyst").get("/counts?event=apprehension&from=2017-07&to=2017-07")
    expected = count_persons(
        loaded.workspace, event="apprehension", period_from="2017-07", period_to="2017-07"
    )
    block = page.text[page.text.index('id="person-ids"') :]
    block = block[: block.index("</ul>")]
    marked = re.findall(r'href="/persons/(P-\d{6})">P-\d{6}</a> <span class="badge"', block)
    assert sorted(marked) == sorted(expected.certain_persons)
    assert set(expected.persons) - set(expected.certain_persons), "some only possibly"


def test_a_named_source_needs_the_right_to_read_sources(loaded: WebEnv) -> None:
    viewer = loaded.sign_in("viewer")
    for question in ({"source": "Family contacts"}, {"by": "source"}):
        page = viewer.get("/counts?" + urlencode(question))
        assert page.status_code == 403
        assert "needs the right to read sources" in page.text
        assert "Family contacts" not in page.text
    assert "Seoul Documentation Center" not in viewer.get("/counts").text
    assert "Seoul Documentation Center" in loaded.sign_in("analyst").get("/counts").text


def record(client: TestClient, data: dict[str, Any]) -> str:
    answer = post_form(client, "/counts/ledger", data)
    assert answer.status_code == 303, answer.text
    found = LEDGER_ID.match(answer.headers["location"])
    assert found, answer.headers["location"]
    return found.group(1)


def test_the_ledger_button_records_the_count_and_the_ledger_page_reproduces_it(
    loaded: WebEnv,
) -> None:
    analyst = loaded.sign_in("analyst")
    data = {
        "event": "apprehension",
        "from": "2017-07",
        "to": "2017-08",
        "by": "month",
        "purpose": "briefing test",
    }
    entry_id = record(analyst, data)
    expected = count_persons(
        loaded.workspace,
        event="apprehension",
        period_from="2017-07",
        period_to="2017-08",
        by="month",
    )
    entry = read_entry(loaded.workspace, entry_id)
    assert (entry["at_least"], entry["at_most"]) == (expected.at_least, expected.at_most)
    assert entry["query"] == expected.query.to_json()
    assert entry["actor"] == "web:analyst" and entry["purpose"] == "briefing test"
    assert sorted(entry["certain"] + entry["uncertain"]) == sorted(expected.persons)

    page = analyst.get(f"/ledger/{entry_id}?recorded=1")
    assert page.status_code == 200
    assert f"Recorded in the number ledger as {entry_id}" in page.text
    assert "Today's data gives the same numbers." in page.text
    assert entry["snapshot_hash"] in page.text
    bounds = f"at least <strong>{expected.at_least}</strong>"
    assert bounds in page.text[page.text.index('id="now-bounds"') :]
    for person in expected.persons:
        assert f'href="/persons/{person}"' in page.text

    viewer = loaded.sign_in("viewer").get(f"/ledger/{entry_id}")
    if has_small_numbers([expected.at_least, expected.at_most]):
        assert viewer.status_code == 404  # small numbers are not a viewer's to read
    else:
        assert viewer.status_code == 200
        assert "Today's data gives the same numbers." in viewer.text
        assert PERSON_ID.findall(viewer.text) == []
        assert "briefing test" not in viewer.text and "web:analyst" not in viewer.text


def test_the_ledger_page_says_which_persons_changed_since(
    loaded: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    analyst = loaded.sign_in("analyst")
    entry_id = record(analyst, {"event": "apprehension", "from": "2017-07", "to": "2017-08"})
    before = set(
        count_persons(
            loaded.workspace, event="apprehension", period_from="2017-07", period_to="2017-08"
        ).persons
    )
    late = row(
        **SDC,
        reported_on="2017-10-01",
        record_id="SEO-99",
        sex="M",
        apprehended_on="2017-08-20",
        apprehended_at="Tumen",
        status="detained",
    )
    load_rows(loaded, cipher, tmp_path, [late], name="late.csv")
    after = set(
        count_persons(
            loaded.workspace, event="apprehension", period_from="2017-07", period_to="2017-08"
        ).persons
    )
    (added,) = after - before

    page = analyst.get(f"/ledger/{entry_id}").text
    assert "Today's data gives different numbers." in page
    assert "The evidence changed since." in page
    changes = page[page.index('id="ledger-changes"') :]
    changes = changes[: changes.index("</ul>")]
    assert f'href="/persons/{added}"' in changes

    entry = read_entry(loaded.workspace, entry_id)
    seen_as_viewer = loaded.sign_in("viewer").get(f"/ledger/{entry_id}")
    if has_small_numbers([entry["at_least"], entry["at_most"]]):
        assert seen_as_viewer.status_code == 404
        return
    seen = seen_as_viewer.text
    assert "Today's data gives different numbers." in seen
    assert PERSON_ID.findall(seen) == []
    viewer_changes = seen[seen.index('id="ledger-changes"') :]
    assert "<strong>1</strong>" in viewer_changes[: viewer_changes.index("</ul>")]


def test_recording_needs_the_right_and_a_csrf_token_and_valid_input(loaded: WebEnv) -> None:
    viewer = loaded.sign_in("viewer")
    assert post_form(viewer, "/counts/ledger", {"event": "apprehension"}).status_code == 403
    analyst = loaded.sign_in("analyst")
    assert analyst.post("/counts/ledger", data={"event": "apprehension"}).status_code == 403
    bad = post_form(analyst, "/counts/ledger", {"from": "2017-13"})
    assert bad.status_code == 422 and "not an EDTF date" in bad.text
    with pytest.raises(InputError, match="no ledger entry"):
        read_entry(loaded.workspace, "L-000001")


def test_an_unknown_ledger_entry_is_not_found(loaded: WebEnv) -> None:
    browser = loaded.sign_in("viewer")
    for entry_id in ("L-999999", "nothing", "L-000001%27%20OR%201=1"):
        assert browser.get(f"/ledger/{entry_id}").status_code == 404


def test_a_ledger_entry_of_another_kind_is_shown_as_recorded_not_recomputed(
    loaded: WebEnv,
) -> None:
    entry_id = record_entry(
        loaded.workspace,
        kind="release",
        query={"lists": "by source type", "by": "province", "from": "2017-07"},
        snapshot_hash="0" * 64,
        link_runs=[],
        at_least=None,
        at_most=None,
        numbers={"estimate": 120, "cells": [{"stratum": "x"}]},
        certain=[],
        uncertain=[],
        actor="test",
    )
    page = loaded.sign_in("viewer").get(f"/ledger/{entry_id}")
    assert page.status_code == 200
    assert "Only counts and breakdowns are recomputed" in page.text
    assert 'id="entry-cells"' not in page.text


def test_the_korean_page_keeps_the_numbers(loaded: WebEnv) -> None:
    page = loaded.sign_in("viewer").get("/counts?event=apprehension&lang=ko").text
    expected = count_persons(loaded.workspace, event="apprehension")
    assert '<html lang="ko">' in page
    assert figure(page, "at-least") == expected.at_least
    assert "최소" in page


def test_a_korean_page_says_the_count_in_korean_and_keeps_the_english_for_quoting(
    loaded: WebEnv,
) -> None:
    url = "/counts?event=apprehension&from=2017-07&to=2017-08&flag=child&lang=ko"
    page = html.unescape(loaded.sign_in("analyst").get(url).text)
    expected = count_persons(
        loaded.workspace,
        event="apprehension",
        period_from="2017-07",
        period_to="2017-08",
        flags=("child",),
    )
    korean = re.search(r'id="count-sentence" lang="ko">([^<]*)<', page)
    assert korean is not None
    said = korean.group(1)
    assert "2017-07-01부터 2017-08-31까지 체포된 인물" in said
    assert "아동" in said
    assert f"최소 {expected.at_least:,}명 (최대 {expected.at_most:,}명)" in said
    english = sentence(expected.query, expected.at_least, expected.at_most)
    assert f'id="count-sentence-en" lang="en">{english}<' in page
    english_page = html.unescape(loaded.sign_in("analyst").get(url.replace("ko", "en")).text)
    assert f'id="count-sentence" lang="en">{english}<' in english_page
    assert "count-sentence-en" not in english_page


KOREAN = {"Accept-Language": "ko-KR,ko;q=0.9"}
BAD_INPUT_KO = [
    (
        {"from": "2017-09", "to": "2017-07"},
        "까지: 2017-07이(가) 시작 날짜 2017-09보다 앞섭니다",
        "is before",
    ),
    ({"from": "2017-13"}, "EDTF 날짜가 아닙니다: '2017-13'", "not an EDTF date"),
    ({"event": "picnic"}, "중 하나여야 합니다. 입력값: 'picnic'", "takes one of"),
    ({"place": "Atlantis"}, "지명 사전에 'Atlantis'(이)라는 장소가 없습니다", "knows no place"),
    ({"by": ["month", "place", "sex"]}, "서로 다른 기준을 하나 또는 두 개", "dimensions"),
    ({"from": "x" * 300}, ": 너무 깁니다", "too long"),
]


@pytest.mark.parametrize(
    "question, korean, english", BAD_INPUT_KO, ids=[e for _, _, e in BAD_INPUT_KO]
)
def test_a_korean_page_refuses_bad_input_in_korean(
    analyst: TestClient, question: dict[str, Any], korean: str, english: str
) -> None:
    page = analyst.get("/counts?" + urlencode(question, doseq=True), headers=KOREAN)
    assert page.status_code == 422
    error = re.search(r'id="count-error">([^<]*)<', html.unescape(page.text))
    assert error is not None and korean in error.group(1)
    assert english not in page.text
    same = analyst.get("/counts?" + urlencode(question, doseq=True))
    assert english in html.unescape(same.text)


def test_a_korean_trend_refusal_and_trend_sentence_are_korean(loaded: WebEnv) -> None:
    viewer = loaded.sign_in("analyst")
    refused = viewer.get("/counts?event=apprehension&trend=1", headers=KOREAN)
    assert refused.status_code == 422
    assert "추세를 보려면 시작 날짜와 끝 날짜가 모두 필요합니다" in refused.text
    assert "needs both" not in refused.text
    question = {"event": "apprehension", "from": "2017-07", "to": "2017-08", "trend": "1"}
    page = html.unescape(viewer.get("/counts?" + urlencode(question), headers=KOREAN).text)
    expected = trend(
        loaded.workspace, event="apprehension", period_from="2017-07", period_to="2017-08"
    )
    korean = re.search(r'id="trend-sentence">([^<]*)<', page)
    assert korean is not None
    said = korean.group(1)
    assert said.startswith("2017-07-01부터 2017-08-31까지 2개월 동안") and "그 전 12개월" in said
    assert "against" not in said and "months" not in said
    english = expected.sentence()
    english = english[0].upper() + english[1:]
    assert f'id="trend-sentence-en" lang="en">{english}<' in page
    english_page = html.unescape(viewer.get("/counts?" + urlencode(question)).text)
    assert f'lang="en" id="trend-sentence">{english}<' in english_page
    assert "trend-sentence-en" not in english_page


def test_the_page_says_where_the_width_of_the_bounds_comes_from_in_the_pages_language(
    loaded: WebEnv,
) -> None:
    url = "/counts?event=apprehension&from=2017-07&to=2017-07"
    expected = count_persons(
        loaded.workspace, event="apprehension", period_from="2017-07", period_to="2017-07"
    )
    assert expected.width is not None and expected.width.facts > 0
    english = html.unescape(loaded.sign_in("analyst").get(url).text)
    said = re.search(r'id="count-width" lang="en">([^<]*)<', english)
    assert said is not None
    assert f"the dates and other facts allow up to {expected.width.facts} more" in said.group(1)
    korean = html.unescape(loaded.sign_in("analyst").get(url + "&lang=ko").text)
    said_ko = re.search(r'id="count-width" lang="ko">([^<]*)<', korean)
    assert said_ko is not None
    assert "범위가 다른 이유:" in said_ko.group(1)
    assert f"최대 {expected.width.facts:,}명 더" in said_ko.group(1)
    assert "the dates" not in said_ko.group(1)
    meeting = html.unescape(
        loaded.sign_in("analyst").get("/counts?event=apprehension&from=2017-07&to=2017-08").text
    )
    both = count_persons(
        loaded.workspace, event="apprehension", period_from="2017-07", period_to="2017-08"
    )
    assert ('id="count-width"' in meeting) == (both.at_least != both.at_most)


EVERY_FILTER: list[tuple[str, str]] = [
    ("event", "apprehension"),
    ("from", "2017-07"),
    ("to", "2017-08"),
    ("place", "Tumen"),
    ("sex", "F"),
    ("age_band", "0-17"),
    ("flag", "child"),
    ("flag", "older"),
    ("source", SDC["source"]),
    ("source_type", SDC["source_type"]),
    ("status", "detained"),
    ("as_of", "2017-09-30"),
]


def visible_answer(page: str) -> str:
    """The words a reader sees in the answer and its breakdown: tags, attributes and the
    English sentence kept for quoting (marked lang="en") taken out."""
    start = page.index('id="count-answer"')
    end = page.index("</section>", page.index('id="count-breakdown"', start))
    part = re.sub(r'<p [^>]*lang="en">.*?</p>', " ", page[start:end], flags=re.DOTALL)
    part = re.sub(r"<form .*?</form>", " ", part, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]*>", " ", part.split(">", 1)[1]))


@pytest.mark.parametrize("by", ["sex", "status", "flag", "source_type"])
def test_a_korean_answer_with_every_filter_shows_no_english_label(
    analyst: TestClient, by: str
) -> None:
    from refwatch.domain.labels import VOCABULARIES
    from refwatch.gazetteer import load_gazetteer

    page = analyst.get("/counts?" + urlencode([*EVERY_FILTER, ("by", by)]), headers=KOREAN)
    assert page.status_code == 200, page.text[:3000]
    shown = visible_answer(page.text)
    english = {words[0] for table in VOCABULARIES.values() for words in table.values()}
    leaked = sorted(w for w in english if re.search(rf"\b{re.escape(w)}\b", shown, re.I))
    assert leaked == [], shown
    assert "ngo_list" not in shown and "F" not in shown.split()
    tumen = load_gazetteer().resolve("Tumen")
    assert tumen is not None and tumen.name_hangul
    for korean in ("체포된", "여성", "아동", "고령자", "NGO 명단", "구금 중", tumen.name_hangul):
        assert korean in shown, korean


def test_breakdown_cells_by_sex_and_status_read_as_labels_in_each_language(
    analyst: TestClient, loaded: WebEnv
) -> None:
    from refwatch.domain.labels import label

    question = [("event", "apprehension"), ("by", "sex"), ("by", "status")]
    unknown = {"en": "(unknown)", "ko": "(알 수 없음)"}
    expected = count_persons(loaded.workspace, event="apprehension", by=["sex", "status"])
    for lang in ("en", "ko"):
        page = analyst.get("/counts?" + urlencode([*question, ("lang", lang)])).text
        rows = breakdown_rows(page)
        assert len(rows) == len(expected.cells) > 2
        for cell in expected.cells:
            sex, status = cell.key
            words = [
                label(sex, lang, "sex") if sex in ("F", "M") else unknown[lang],
                label(status, lang, "status"),
            ]
            assert rows["/".join(cell.key)] == (words, cell.at_least, cell.at_most)
    english = breakdown_rows(analyst.get("/counts?" + urlencode([*question, ("lang", "en")])).text)
    assert {"female", "male"} <= {labels[0] for labels, _least, _most in english.values()}
