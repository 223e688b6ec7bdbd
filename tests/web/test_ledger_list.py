"""The number ledger's list page (/ledger) and `refwatch ledger list`: newest first,
searchable, paged, with whether today's data gives each number again; viewers see only
the entries they may open, and never who recorded them or why."""

from __future__ import annotations

import re
from pathlib import Path

from refwatch.counting import count_persons
from refwatch.counting.ledger import list_entries, record_entry
from refwatch.counting.ledger_check import ledger_listing
from refwatch.store.crypto import FieldCipher
from tests.conftest import row
from tests.web.conftest import WebEnv
from tests.web.evidence_helpers import load_rows

SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}


def entries_on(page: str) -> list[str]:
    return re.findall(r'<tr data-entry="(L-\d{6})">', page)


def many_rows(n: int) -> list[dict[str, str]]:
    return [
        row(**SDC, record_id=f"r{i}", apprehended_on="2017-07-13", sex="F", status="detained")
        for i in range(n)
    ]


def test_the_list_is_newest_first_and_says_whether_today_gives_the_same_number(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    load_rows(web, cipher, tmp_path, many_rows(8))
    july = {"event": "apprehension", "period_from": "2017-07", "period_to": "2017-07"}
    first = count_persons(web.workspace, **july, record=True, purpose="first brief")  # type: ignore[arg-type]
    second = count_persons(web.workspace, **july, by="sex", record=True, actor="web:analyst")  # type: ignore[arg-type]
    page = web.sign_in("analyst").get("/ledger").text
    assert entries_on(page) == [second.ledger_id, first.ledger_id]
    assert 'data-same="True"' in page and "first brief" in page
    late = row(**SDC, record_id="late", apprehended_on="2017-07-20", status="detained")
    load_rows(web, cipher, tmp_path, [late])
    again = web.sign_in("analyst").get("/ledger").text
    assert again.count('data-same="False"') == 2
    listed = ledger_listing(web.workspace)
    assert [e["same_today"] for e in listed] == [False, False]


def test_search_kind_and_paging_narrow_the_list(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    load_rows(web, cipher, tmp_path, many_rows(8))
    ids = [
        count_persons(web.workspace, event="apprehension", record=True, purpose=f"brief {i}")
        .ledger_id
        for i in range(3)
    ]
    breakdown = count_persons(web.workspace, by="sex", record=True, purpose="by sex").ledger_id
    analyst = web.sign_in("analyst")
    assert entries_on(analyst.get("/ledger?q=BRIEF 1").text) == [ids[1]]
    assert entries_on(analyst.get("/ledger?kind=breakdown").text) == [breakdown]
    assert entries_on(analyst.get(f"/ledger?before={ids[2]}").text) == [ids[1], ids[0]]
    # LIKE wildcards in a search are plain text, not patterns.
    growth = count_persons(web.workspace, record=True, purpose="growth 50%").ledger_id
    assert entries_on(analyst.get("/ledger?q=0%25").text) == [growth]
    assert entries_on(analyst.get("/ledger?q=h%255").text) == []
    assert entries_on(analyst.get("/ledger?q=brief_").text) == []
    # Nonsense narrows nothing and breaks nothing.
    for junk in ("kind=picnic", "before=x' OR 1=1 --", "before=L-", "q=" + "x" * 5000):
        answer = analyst.get(f"/ledger?{junk}")
        assert answer.status_code == 200
    assert len(list_entries(web.workspace, limit=2)) == 2


def test_viewers_see_only_entries_they_may_open_and_not_who_recorded_them(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    load_rows(web, cipher, tmp_path, many_rows(8))
    big = count_persons(web.workspace, event="apprehension", record=True, purpose="secret plan")
    small = count_persons(web.workspace, sex="M", record=True)  # no men: 0 is not small
    by_source = count_persons(web.workspace, by="source", record=True)
    tiny = count_persons(
        web.workspace, event="apprehension", period_from="2017-07-13", period_to="2017-07-13",
        source="Seoul Documentation Center", record=True,
    )
    viewer = web.sign_in("viewer").get("/ledger").text
    shown = entries_on(viewer)
    assert big.ledger_id in shown and small.ledger_id in shown
    assert by_source.ledger_id not in shown and tiny.ledger_id not in shown
    assert "secret plan" not in viewer and "library" not in viewer
    assert entries_on(web.sign_in("viewer").get("/ledger?q=secret").text) == shown
    researcher = entries_on(web.sign_in("researcher").get("/ledger").text)
    assert by_source.ledger_id in researcher and tiny.ledger_id in researcher


def test_the_navigation_leads_to_the_ledger_and_to_public_data(web: WebEnv) -> None:
    analyst = web.sign_in("analyst").get("/counts").text
    assert 'href="/ledger"' in analyst and 'href="/releases"' in analyst
    viewer = web.sign_in("viewer").get("/counts").text
    assert 'href="/ledger"' in viewer and 'href="/releases"' not in viewer


def test_an_estimate_entry_is_listed_with_its_estimate_and_interval(web: WebEnv) -> None:
    entry = record_entry(
        web.workspace,
        kind="estimate",
        query={"method": "lcmcr"},
        snapshot_hash="x" * 64,
        link_runs=[],
        at_least=311,
        at_most=None,
        numbers={"estimate": 385.4, "lower": 354.3, "upper": 419.9, "level": 0.95},
        certain=[],
        uncertain=[],
        actor="test",
    )
    page = web.sign_in("analyst").get("/ledger").text
    assert entries_on(page) == [entry]
    assert "estimate 385 (95% interval 354 to 420)" in page
    assert "(up to None)" not in page
