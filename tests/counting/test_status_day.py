"""One rule for the day a status is read on (issue 13: three defaults became one)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from refwatch.counting.query import make_query, status_day
from refwatch.domain.errors import InputError


def test_the_day_asked_wins_and_an_edtf_month_means_its_last_day() -> None:
    assert status_day("2017-09", "2017-08") == "2017-09-30"
    assert status_day(date(2017, 9, 10)) == "2017-09-10"


def test_without_a_day_a_period_that_ended_is_read_as_of_its_end() -> None:
    assert status_day(None, "2017-08") == "2017-08-31"
    assert status_day(None, "2016-07/2017-09") == "2017-09-30"


def test_a_period_still_running_and_no_period_at_all_are_read_as_of_today() -> None:
    today = date.today()
    assert status_day(None, str(today.year + 1)) == today.isoformat()
    assert status_day(None) == today.isoformat()
    assert make_query(status="detained").as_of == today.isoformat()
    assert status_day(None, (today + timedelta(days=3)).isoformat()) == today.isoformat()


def test_a_bad_day_is_an_input_error_naming_the_option() -> None:
    with pytest.raises(InputError, match="--as-of"):
        status_day("summer 2017")
    with pytest.raises(InputError, match="--to"):
        status_day(None, "late 2017")
