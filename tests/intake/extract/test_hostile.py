"""Hostile text first: whatever the input, extraction ends, stays bounded, and proposes
only values the strict reader accepts (so nothing invalid can reach a reviewer)."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refwatch.domain.errors import InputError
from refwatch.intake.extract import Extraction, extract
from refwatch.intake.extract.text import MAX_CHARS

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _valid(result: Extraction) -> Extraction:
    """Every proposal passes the strict reader, and no control or bidi character survives."""
    data = result.to_json()
    assert Extraction.from_json(data, file="proposals.json") is not None
    for part in ("claims", "mentions", "observations"):
        for item in data[part]:
            assert not _CONTROL.search(item["text"]), item["text"]
            for name in item.get("names_latin", []) + item.get("names_hangul", []):
                assert not _CONTROL.search(name)
    return result


def test_text_longer_than_the_limit_is_refused_without_reading_it() -> None:
    with pytest.raises(InputError, match="too long"):
        extract("x" * (MAX_CHARS + 1))


def test_a_ten_megabyte_line_is_refused() -> None:
    with pytest.raises(InputError, match="too long"):
        extract("4" * (10 * 1024 * 1024))


def test_a_long_line_without_full_stops_is_read_in_bounded_pieces() -> None:
    line = "at least 41 people were detained in Tumen in July 2017 " * 4000  # 220,000 chars
    result = _valid(extract(line))
    assert len(result.claims) >= 1000
    assert {c.number for c in result.claims} == {41}
    assert all(c.end - c.start <= 1000 for c in result.claims)


def test_a_long_document_of_sentences() -> None:
    text = (
        "In July 2017 at least 41 North Koreans were detained in Changbai. "
        "지난해 연길에서 탈북민 5명이 체포됐다. My sister Ri Kyong-hui, 34, was sent back. "
    ) * 800  # about 130,000 characters, 2,400 sentences
    result = _valid(extract(text))
    assert sum(c.number == 41 for c in result.claims) == 800


@pytest.mark.parametrize(
    "text",
    [
        "At least 41\x00 people\x07 were detained\x1b[2J in July 2017.",
        "At least 41 people were \u202edetained\u202c in July 2017.",
        "At least 41 people\u200b were detained\u2066 in July 2017 \u200f.",
        "Kim Ae-ran\u202e, 14, was caught in Tumen.\r\nShe was sent back.",
        "\ufeffAt least 41 people were detained.\x85\u2028More text.",
    ],
)
def test_control_and_bidi_characters_never_reach_a_proposal(text: str) -> None:
    result = _valid(extract(text))
    assert any(c.number == 41 for c in result.claims) or result.mentions


@pytest.mark.parametrize(
    "text",
    [
        "10^30 people were detained.",
        "1000000000000000000000000000000 people were detained in 2017.",
        "1e30 people were detained.",
        "At least 10,000,000,000,000 people were arrested.",
        "사십일조 명이 체포됐다.",
    ],
)
def test_absurd_numbers_are_no_claims(text: str) -> None:
    result = _valid(extract(text))
    assert all(c.number <= 10_000_000 for c in result.claims)
    assert all(c.number not in (30, 10) for c in result.claims), result.claims


@pytest.mark.parametrize(
    "text",
    ["At least -5 people were detained.", "최소 -5명이 체포됐다.", "−3 people were arrested."],
)
def test_negative_counts_are_no_claims(text: str) -> None:
    result = _valid(extract(text))
    assert result.claims == ()


@pytest.mark.parametrize(
    "text",
    [
        "41 people were detained between July and August 2017 or September 2018.",
        "41 people were detained in 2017-07/2017-08/2017-09.",
        "41 people were detained on July 32, 2017 and February 30 2017.",
        "2017년 13월과 14월 사이 41명이 구금됐다.",
        "2017년 8월과 7월에 41명이 구금됐다.",
        "41 people were detained from December 2017 to January 2017.",
        "41 people were detained in early late mid 2017 since since 2016.",
        "41 people were detained last year",
        "Between July 2016 and and June 9999, 41 were arrested.",
    ],
)
def test_nested_or_impossible_dates_give_valid_periods_or_none(text: str) -> None:
    result = _valid(extract(text))
    assert [c.number for c in result.claims] == [41]


def test_html_and_script_are_text_not_markup() -> None:
    text = (
        '<p onclick="x()">At least <b>41</b> people were detained.</p>'
        "<script>alert('박정순')</script> [bold red]5 people[/] were arrested in Tumen."
    )
    result = _valid(extract(text))
    assert {c.number for c in result.claims} >= {5}
    assert any("<script>" in c.text for c in result.claims)  # kept verbatim: the web escapes


def test_mixed_scripts_in_one_sentence() -> None:
    text = "Kim Ae-ran (김애란), 14, 혜산 출신, was caught in 图们 in 2017년 7월 and sent back."
    result = _valid(extract(text))
    (mention,) = result.mentions
    assert mention.names_latin == ("Kim Ae-ran",) and mention.names_hangul == ("김애란",)
    assert mention.age == 14 and mention.origin == "kp-ryanggang-hyesan"
    assert mention.place == "cn-jilin-tumen" and mention.status == "returned"


def test_many_numbers_and_names_stay_fast_enough_to_finish() -> None:
    text = " ".join(f"{i} people, Kim Ae-{chr(97 + i % 26)}n, 김애란{i}" for i in range(3000))
    began = time.perf_counter()
    _valid(extract(text))
    del began  # no timing assertion: this must simply finish (benchmarks measure speed)


_KOREAN = "명 살 세 년 월 일 이 중 김 박 혜 산 도 문 체포 구금 북송 석방 최소 이상 약 여"
_ENGLISH = (
    "at least |more than |up to |about | people | were detained | sent back | still held |"
    "July |2017|early |since |Tumen|from Hyesan| aged 14|-year-old |Kim Ae-ran|capacity|80%|"
    "checkpoints|tip-offs|groups| of them|Among them"
)
_ALPHABET = st.one_of(
    st.sampled_from(
        "abcdefghijklmnopqrstuvwxyz ABCKMRST0123456789.,;:()-–/%~'\"\n\t\x00\x1b\u202e"
    ),
    st.sampled_from(_KOREAN.split(" ")),
    st.sampled_from(_ENGLISH.split("|")),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ALPHABET, max_size=60).map("".join))
def test_fuzzed_text_never_breaks_the_engine(text: str) -> None:
    _valid(extract(text))


def test_threads_share_one_tokeniser_and_agree() -> None:
    """A web server calls from several threads; Kiwi is created once and gives every
    thread the same answer."""
    from concurrent.futures import ThreadPoolExecutor

    text = "제 딸 김은정(24)은 혜산 출신입니다. 딸은 2017년 12월 장백에서 체포됐습니다."
    expected = extract(text)
    assert expected.mentions[0].names_hangul == ("김은정",)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: extract(text), range(24)))
    assert all(result == expected for result in results)
