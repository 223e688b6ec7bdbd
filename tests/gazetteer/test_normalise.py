"""The lookup key: what it must absorb, and what it must keep apart."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refwatch.gazetteer import normalise_place_text as key


@pytest.mark.parametrize(
    ("spelling", "plain"),
    [
        ("Hoeryŏng", "Hoeryong"),
        ("Sinŭiju", "Sinuiju"),
        ("Ch'ŏngjin", "Chongjin"),
        ("Ch’ŏngjin", "Chongjin"),
        ("Chʼŏngjin", "Chongjin"),
        ("Manp'o", "Manpo"),
        ("Việt Nam", "Vietnam"),
        ("Ji'an", "Jian"),
        ("HAMGYONGBUK-DO", "hamgyongbuk"),
        ("Hamgyong buk do", "Hamgyongbuk"),
        ("Ｔｕｍｅｎ", "Tumen"),
    ],
)
def test_romanisation_marks_case_and_punctuation_do_not_matter(spelling: str, plain: str) -> None:
    assert key(spelling) == key(plain)


@pytest.mark.parametrize(
    ("with_suffix", "bare"),
    [
        ("Musan-gun", "Musan"),
        ("Musan-kun", "Musan"),
        ("Musan County", "Musan"),
        ("Hyesan-si", "Hyesan"),
        ("Tumen City", "Tumen"),
        ("Yanji-shi", "Yanji"),
        ("Ryanggang-do", "Ryanggang"),
        ("Ryanggang Province", "Ryanggang"),
        ("Yanbian Korean Autonomous Prefecture", "Yanbian"),
        ("Changbai Korean Autonomous County", "Changbai"),
        ("Rason Special City", "Rason"),
        ("图们市", "图们"),
        ("长白县", "长白"),
        ("延边朝鲜族自治州", "延边"),
        ("吉林省", "吉林"),
        ("茂山郡", "茂山"),
        ("무산군", "무산"),
        ("혜산시", "혜산"),
        ("함경북도", "함경북"),
        ("장백현", "장백"),
        ("연변조선족자치주", "연변"),
        ("남양노동자구", "남양"),
    ],
)
def test_administrative_suffixes_are_dropped_in_every_script(with_suffix: str, bare: str) -> None:
    assert key(with_suffix) == key(bare)


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("圖們", "图们"),
        ("長白", "长白"),
        ("延邊", "延边"),
        ("西雙版納", "西双版纳"),
        ("勐臘", "勐腊"),
        ("咸鏡北道", "咸镜北道"),
        ("兩江道", "两江道"),
        ("會寧", "会宁"),
        ("新義州", "新义州"),
        ("瀋陽", "沈阳"),
        ("琿春", "珲春"),
        ("圖們邊防支隊看守所", "图们边防支队看守所"),
        ("平壤直轄市", "平壤"),
        ("羅先特別市", "罗先"),
    ],
)
def test_traditional_hanzi_meet_simplified(traditional: str, simplified: str) -> None:
    assert key(traditional) == key(simplified)


def test_a_name_that_only_looks_like_a_suffix_is_kept() -> None:
    assert key("do") == "do"
    assert key("市") == "市"
    assert key("도") == "도"
    assert key("광시") == "광시"
    assert key("청도") == key("청도시") == "청도"


def test_a_one_character_hanzi_name_survives_its_suffix() -> None:
    assert key("沛县") == "沛"


def test_hangul_stays_composed_so_keys_are_readable() -> None:
    assert key("무산") == "무산"
    assert unicodedata.is_normalized("NFC", key("함경북도 무산군"))


def test_marks_on_non_latin_letters_are_kept() -> None:
    # Thai vowel signs are combining marks but part of the word, unlike ŏ's breve.
    assert key("เชียงราย") != key("เชยงราย")


def test_different_places_keep_different_keys() -> None:
    assert key("North Hamgyong") != key("South Hamgyong")
    assert key("Hamgyongbuk-do") != key("Hamgyongnam-do")
    assert key("Pyonganbuk-do") != key("Pyongannam-do")


@given(st.text(max_size=30))
def test_the_key_of_a_key_is_itself(text: str) -> None:
    once = key(text)
    assert key(once) == once
