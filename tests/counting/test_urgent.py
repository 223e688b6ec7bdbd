"""The urgent-action list, written once: who is held by which rule, in what order, and
when news is too old to trust."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from refwatch.counting.snapshot import load_snapshot
from refwatch.counting.urgent import HeldRule, urgent_list
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace
from tests.conftest import row
from tests.counting.conftest import import_rows

SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}
AS_OF = date(2017, 10, 15)


@pytest.fixture
def held(workspace: Workspace, cipher: FieldCipher, tmp_path: Path) -> Workspace:
    """1: held since July, last news in September. 2: apprehended some day in October,
    reported detained on the 5th: the report says held, the dates do not prove custody
    had begun by the 15th. 3: released in August. 4: apprehended in June, no news since."""
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [
            row(
                **SDC,
                record_id="1",
                reported_on="2017-09-01",
                apprehended_on="2017-07-13",
                held_at="Tumen border detention center",
                status="detained",
            ),
            row(
                **SDC,
                record_id="2",
                reported_on="2017-10-05",
                apprehended_on="2017-10",
                status="detained",
            ),
            row(
                **SDC,
                record_id="3",
                reported_on="2017-09-01",
                apprehended_on="2017-07-01",
                status="released",
                status_on="2017-08-20",
            ),
            row(**SDC, record_id="4", apprehended_on="2017-06-02", status="detained"),
        ],
    )
    return workspace


def held_ids(workspace: Workspace, rule: HeldRule) -> list[str]:
    return [r.person_id for r in urgent_list(load_snapshot(workspace), AS_OF, rule=rule)]


def test_the_release_takes_a_person_off_both_lists_and_only_the_action_list_takes_a_maybe(
    held: Workspace,
) -> None:
    action = held_ids(held, HeldRule.LATEST_REPORT)
    proven = held_ids(held, HeldRule.CERTAIN)
    assert len(action) == 3 and len(proven) == 2
    assert set(proven) < set(action)
    rows = urgent_list(load_snapshot(held), AS_OF, rule=HeldRule.LATEST_REPORT)
    maybe = next(r for r in rows if r.person_id not in proven)
    assert maybe.custody_from == date(2017, 10, 1) and maybe.held_by == date(2017, 10, 31)


def test_longest_held_first_or_longest_without_news_first(held: Workspace) -> None:
    rows = urgent_list(load_snapshot(held), AS_OF, rule=HeldRule.CERTAIN)
    assert [r.held_by for r in rows] == [date(2017, 6, 2), date(2017, 7, 13)]
    assert [r.days_held for r in rows] == [135, 94]
    by_news = urgent_list(load_snapshot(held), AS_OF, rule=HeldRule.CERTAIN, order="news")
    assert [r.last_confirmed for r in by_news] == [None, date(2017, 9, 1)]


def test_news_older_than_the_stale_limit_or_none_at_all_is_unverified(held: Workspace) -> None:
    rows = urgent_list(load_snapshot(held), AS_OF, rule=HeldRule.CERTAIN)
    assert [(r.days_since_news, r.unverified) for r in rows] == [(None, True), (44, False)]
    strict = urgent_list(load_snapshot(held), AS_OF, rule=HeldRule.CERTAIN, stale_days=30)
    assert [r.unverified for r in strict] == [True, True]
    assert len(rows[1].facility_ids) == 1 and not rows[0].facility_ids
