"""The rules one at a time: numbers, qualifiers, periods, places, people, observations."""

from __future__ import annotations

from datetime import date

import pytest

from refwatch.intake.extract import extract
from refwatch.intake.extract.numbers import find_numbers, sino_value
from refwatch.intake.extract.periods import DateContext, find_periods
from refwatch.intake.extract.text import language, sentences


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("forty-one people", 41), ("Forty one people", 41), ("eleven children", 11),
        ("41명", 41), ("사십일 명", 41), ("마흔한 명", 41), ("백이십 명", 120),
        ("열다섯 살", 15), ("스무 명", 20), ("브로커 한 명", 1), ("1,200 people", 1200),
    ],
)  # fmt: skip
def test_numbers(text: str, value: int) -> None:
    assert [n.value for n in find_numbers(text)] == [value]


@pytest.mark.parametrize("text", ["한 해 동안", "열심히", "일을 했다", "10km", "x" * 5])
def test_words_that_are_not_numbers(text: str) -> None:
    assert find_numbers(text) == []


def test_sino_numerals_that_do_not_form_a_number() -> None:
    assert sino_value("사십일") == 41 and sino_value("십") == 10
    assert sino_value("사사") is None and sino_value("십백") is None


@pytest.mark.parametrize(
    ("text", "number", "qualifier"),
    [
        ("At least 41 people were detained.", 41, "at_least"),
        ("No fewer than 41 people were detained.", 41, "at_least"),
        ("More than 40 people were detained.", 41, "at_least"),
        ("Over 40 people were detained.", 41, "at_least"),
        ("41 or more people were detained.", 41, "at_least"),
        ("Up to 41 people were detained.", 41, "at_most"),
        ("As many as 41 people were detained.", 41, "at_most"),
        ("No more than 41 people were detained.", 41, "at_most"),
        ("Fewer than 42 people were detained.", 41, "at_most"),
        ("About 41 people were detained.", 41, "about"),
        ("Some 41 people were detained.", 41, "about"),
        ("41 people were detained.", 41, "exact"),
        ("최소 41명이 구금됐다.", 41, "at_least"),
        ("41명 이상이 구금됐다.", 41, "at_least"),
        ("40명 넘는 탈북민이 구금됐다.", 41, "at_least"),
        ("최대 41명이 구금됐다.", 41, "at_most"),
        ("41명 이하가 구금됐다.", 41, "at_most"),
        ("42명 미만이 구금됐다.", 41, "at_most"),
        ("약 41명이 구금됐다.", 41, "about"),
        ("41여 명이 구금됐다.", 41, "about"),
        ("41명가량이 구금됐다.", 41, "about"),
    ],
)
def test_qualifiers_give_inclusive_bounds(text: str, number: int, qualifier: str) -> None:
    (claim,) = extract(text).claims
    assert (claim.number, claim.qualifier) == (number, qualifier)


@pytest.mark.parametrize(
    ("text", "event", "status"),
    [
        ("41 people were arrested.", "apprehension", None),
        ("41 people were apprehended.", "apprehension", None),
        ("41 people were caught.", "apprehension", None),
        ("41 people were detained.", "detention", None),
        ("41 people were forcibly returned.", "return", None),
        ("41 people were repatriated.", "return", None),
        ("41 people were sent back.", "return", None),
        ("41 people were released.", "release", None),
        ("41 people are still held.", None, "detained"),
        ("41 people remain in detention.", None, "detained"),
        ("41 people were arrested and later sent back.", "return", None),
        ("41 people could be sent back.", None, None),
        ("탈북민 41명이 체포됐다.", "apprehension", None),
        ("탈북민 41명이 구금됐다.", "detention", None),
        ("탈북민 41명이 강제송환됐다.", "return", None),
        ("탈북민 41명이 북송됐다.", "return", None),
        ("탈북민 41명이 석방됐다.", "release", None),
        ("탈북민 41명이 구금 중이다.", None, "detained"),
        ("탈북민 41명이 북송될 위기에 처했다.", None, None),
    ],
)
def test_event_and_state_words(text: str, event: str | None, status: str | None) -> None:
    claims = extract(text).claims
    if event is None and status is None:
        assert claims == ()
        return
    (claim,) = claims
    assert (claim.event, claim.status) == (event, status)


@pytest.mark.parametrize(
    ("text", "reference", "bounds"),
    [
        ("in July and August 2017", None, ("2017-07", "2017-08")),
        ("in July or August 2017", None, ("2017-07", "2017-08")),
        ("early 2017", None, ("2017-01", "2017-04")),
        ("mid-2017", None, ("2017-05", "2017-08")),
        ("late 2017", None, ("2017-09", "2017-12")),
        ("since July 2016", None, ("2016-07", None)),
        ("between July 2016 and June 2017", None, ("2016-07", "2017-06")),
        ("on 13 July 2017", None, ("2017-07-13", "2017-07-13")),
        ("in 2017", None, ("2017", "2017")),
        ("2017년 7월과 8월", None, ("2017-07", "2017-08")),
        ("2017년 7월부터 8월까지", None, ("2017-07", "2017-08")),
        ("2016년 7월 이후", None, ("2016-07", None)),
        ("2019년 하반기", None, ("2019-07", "2019-12")),
        ("지난해", date(2018, 3, 2), ("2017", "2017")),
        ("last year", date(2018, 3, 2), ("2017", "2017")),
        ("yesterday", date(2018, 3, 2), ("2018-03-01", "2018-03-01")),
        ("지난주", date(2023, 2, 14), ("2023-02-06", "2023-02-12")),
        ("in September", date(2018, 3, 2), ("2017-09", "2017-09")),
    ],
)
def test_periods(text: str, reference: date | None, bounds: tuple[str, str | None]) -> None:
    (period,) = find_periods(text, 0, len(text), DateContext(reference))
    assert (period.date_from, period.date_to) == bounds


def test_relative_dates_need_the_document_date() -> None:
    assert find_periods("지난해 어제 last year", 0, 17, DateContext(None)) == []


def test_a_month_without_a_year_takes_the_year_last_named() -> None:
    result = extract("In March 2018 she was arrested. In May 41 people were detained.")
    (claim,) = result.claims
    assert (claim.date_from, claim.date_to) == ("2018-05", "2018-05")


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("41 people were detained in Tumen.", "cn-jilin-tumen"),
        ("41 people were detained in 图们.", "cn-jilin-tumen"),
        ("투먼에서 41명이 구금됐다.", "cn-jilin-tumen"),
        ("도문에서 41명이 구금됐다.", "cn-jilin-tumen"),
        ("41 people are still held at the Tumen border detention center.",
         "fac-cn-tumen-border-detention"),
        ("41 people were detained near the Tumen River.", None),
        ("41 North Koreans were detained.", None),
        ("중국 공안이 41명을 체포했다.", None),
    ],
)  # fmt: skip
def test_places_through_the_gazetteer(text: str, place: str | None) -> None:
    (claim,) = extract(text).claims
    assert claim.place == place


def test_a_person_with_everything() -> None:
    text = (
        "My daughter Kim Ae-ran (김애란), 14, from Hyesan, was caught in Changbai in July "
        "2017. She was forcibly returned in August 2017."
    )
    (m,) = extract(text).mentions
    assert m.names_latin == ("Kim Ae-ran",) and m.names_hangul == ("김애란",)
    assert (m.sex, m.age, m.origin) == ("F", 14, "kp-ryanggang-hyesan")
    assert (m.event, m.status, m.date_from, m.date_to) == (
        "return",
        "returned",
        "2017-08",
        "2017-08",
    )
    assert m.place == "cn-jilin-changbai" and m.flags == ("child",)


def test_a_korean_person() -> None:
    text = (
        "제 어머니 최영자(68세)는 무산 출신입니다. "
        "어머니는 2019년 8월 곤명에서 체포되어 지금도 구금되어 있습니다."
    )
    (m,) = extract(text).mentions
    assert m.names_hangul == ("최영자",)
    assert (m.sex, m.age, m.origin) == ("F", 68, "kp-hamgyongbuk-musan")
    assert (m.event, m.status, m.place) == ("apprehension", "detained", "cn-yunnan-kunming")
    assert (m.date_from, m.flags) == ("2019-08", ("older",))


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("A pregnant woman, Ri Sun-hui, was detained.", "pregnant"),
        ("임신 중인 리순희(30) 씨가 구금됐다.", "pregnant"),
        ("The guide Pak Chol-su was arrested.", "guide"),
        ("브로커 박철수(40) 씨가 체포됐다.", "guide"),
        ("Han Un-hui, 70, was arrested.", "older"),
        ("열네 살 소녀 한은희가 체포됐다.", "child"),
    ],
)
def test_mention_flags(text: str, flag: str) -> None:
    (m,) = extract(text).mentions
    assert flag in m.flags


def test_unnamed_person_with_an_age() -> None:
    (m,) = extract("A 16-year-old boy from Hyesan was arrested in Yanji in May 2019.").mentions
    assert (m.names_latin, m.age, m.sex, m.origin) == ((), 16, "M", "kp-ryanggang-hyesan")
    assert m.flags == ("child",)


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("The detention centre's capacity was raised by 30% in 2018.", "capacity_change", 30.0),
        ("The network's capacity is down 80% since June 2017.", "capacity_change", -80.0),
        ("구조 단체의 역량이 약 80% 줄었다.", "capacity_change", -80.0),
        ("Three groups were stopped after anonymous tip-offs.", "tip_off", 3.0),
        ("익명의 제보로 두 그룹이 적발됐다.", "tip_off", 2.0),
        ("Two new checkpoints were installed on the border.", "border_security", 2.0),
        ("국경에 검문소 3곳이 새로 설치됐다.", "border_security", 3.0),
    ],
)
def test_observations(text: str, kind: str, value: float) -> None:
    (o,) = extract(text).observations
    assert (o.kind, o.value) == (kind, value)


def test_back_reference_takes_event_and_period() -> None:
    result = extract(
        "At least 41 were detained in July and August 2017. Among them were 11 children."
    )
    children = result.claims[1]
    assert (children.number, children.event, children.flags) == (11, "detention", ("child",))
    assert (children.date_from, children.date_to) == ("2017-07", "2017-08")


def test_sentences_and_language() -> None:
    text = "Mr. Kim went. He was caught!\n\nNew para\n- item one\n- item two"
    spans = [text[s.start : s.end] for s in sentences(text)]
    assert spans == ["Mr. Kim went.", "He was caught!", "New para", "- item one", "- item two"]
    assert language("탈북민 41명이 구금됐다") == "ko" and language("41 detained") == "en"
    assert language("Kim Ae-ran 김애란 was caught 체포됐다") == "mixed"
    assert language("41 ... !!") == "unknown"


def test_every_place_id_has_a_latin_name_the_importer_resolves_back() -> None:
    from refwatch.gazetteer import load_gazetteer
    from refwatch.intake.places import FACILITY_KINDS, POINT_KINDS

    gazetteer = load_gazetteer()
    for place in gazetteer:
        kinds = FACILITY_KINDS if place.kind == "facility" else POINT_KINDS
        found = gazetteer.resolve(place.name_latin, kinds=kinds)
        assert found is not None and found.id == place.id, place.id
