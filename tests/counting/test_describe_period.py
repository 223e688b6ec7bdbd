"""The period of a count in words: one rule (which ends are closed) in each language."""

from __future__ import annotations

import pytest

from refwatch.counting.describe import PERIOD_WORDS, period_phrase
from refwatch.counting.query import make_query


@pytest.mark.parametrize("lang", sorted(PERIOD_WORDS))
@pytest.mark.parametrize(
    ("period_from", "period_to"),
    [("2017-07-01", "2017-08-31"), ("2017-07-01", None), (None, "2017-08-31"), (None, None)],
)
def test_the_phrase_names_exactly_the_closed_ends(
    lang: str, period_from: str | None, period_to: str | None
) -> None:
    query = make_query(event="apprehension", period_from=period_from, period_to=period_to)
    phrase = period_phrase(query, lang)
    for day in ("2017-07-01", "2017-08-31"):
        assert (day in phrase) == (day in (period_from, period_to))
    assert (phrase == "") == (period_from is None and period_to is None)


def test_each_language_words_the_three_kinds_of_period_apart() -> None:
    closed = make_query(event="detention", period_from="2017-07-01", period_to="2017-08-31")
    since = make_query(event="detention", period_from="2017-07-01")
    up_to = make_query(event="detention", period_to="2017-07-01")
    for lang in PERIOD_WORDS:
        phrases = {period_phrase(q, lang) for q in (closed, since, up_to)}
        assert len(phrases) == 3
    assert period_phrase(closed) == period_phrase(closed, "en")
