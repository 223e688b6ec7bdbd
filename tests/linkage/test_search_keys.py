"""Search keys for names: one person written in Hangul, Revised Romanization,
McCune–Reischauer, DPRK usage or informally, family name first or last, meets itself."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refwatch.linkage.search_keys import hangul_key, latin_keys, query_keys, romanise_hangul
from refwatch.persons.name_index import NameIndex, Names, entry_of

SAME_PERSON = [
    ("김영철", ["Kim Yongchol", "Kim Yŏngch'ŏl", "Gim Young-chul", "Kim Yeongcheol"]),
    ("김영철", ["Yong-chol Kim", "Yeongcheol Gim", "KIM YONG CHOL"]),
    ("리명희", ["Ri Myong-hui", "Lee Myeonghui", "Yi Myŏnghŭi", "이명희"]),
    ("임혜경", ["Hyegyeong Im", "Rim Hye Gyong", "Lim Hyekyung"]),
    ("박춘미", ["Pak Chun Mi", "Park Choon-mi", "Bak Chunmi"]),
    ("최성호", ["Choi Sung-ho", "Choe Songho", "Chwe Seongho"]),
    ("정명길", ["Jeong Myeonggil", "Chung Myong-gil", "Jung Myung Gil"]),
]


def index_of(names: dict[str, Names]) -> NameIndex:
    entries = {mention: entry_of(n.hangul, n.latin) for mention, n in names.items()}
    return NameIndex(1, entries, {mention: f"P-{i:06d}" for i, mention in enumerate(names, 1)})


@pytest.mark.parametrize(("hangul", "spellings"), SAME_PERSON)
def test_every_spelling_of_a_name_finds_the_person_written_in_hangul(
    hangul: str, spellings: list[str]
) -> None:
    index = index_of({"m1": Names(hangul, None), "m2": Names("홍길동", "Hong Gildong")})
    for spelling in spellings:
        assert index.search(spelling) == ["P-000001"], spelling


@pytest.mark.parametrize(("hangul", "spellings"), SAME_PERSON)
def test_a_hangul_query_finds_a_name_written_only_in_latin_letters(
    hangul: str, spellings: list[str]
) -> None:
    index = index_of({"m1": Names(None, spellings[0]), "m2": Names(None, "Hong Gildong")})
    assert index.search(hangul) == ["P-000001"]


def test_a_search_matches_from_the_start_of_a_word_not_across_words() -> None:
    index = index_of({"m1": Names(None, "Lim Myungok"), "m2": Names(None, "Kim Ok")})
    assert index.search("Kim") == ["P-000002"]  # not "...ok|im" of Lim Myungok
    assert index.search("Myungok") == ["P-000001"]


def test_different_names_do_not_meet() -> None:
    index = index_of({"m1": Names("김영철", "Kim Yongchol"), "m2": Names("박영희", "Pak Yonghui")})
    assert index.search("Pak Yongchol") == []
    assert index.search("최") == []


def test_hanzi_is_matched_as_written() -> None:
    index = index_of({"m1": Names(None, "金英哲"), "m2": Names(None, "朴英姬")})
    assert index.search("英哲") == ["P-000001"]


def test_the_initial_sound_law_joins_north_and_south_hangul() -> None:
    assert hangul_key("리옥화") == hangul_key("이옥화")
    assert hangul_key("류경") == hangul_key("유경")
    assert hangul_key("로동") == hangul_key("노동")


def test_romanisation_follows_revised_romanization_syllable_by_syllable() -> None:
    assert romanise_hangul("김영철") == "gimyeongcheol"
    assert romanise_hangul("최") == "choe"


@given(st.text(max_size=40))
def test_any_text_gives_keys_without_error_and_without_separators_in_queries(text: str) -> None:
    keys = query_keys(text)
    assert "|" not in keys.loose
    for key in latin_keys(text):
        assert key and not key.startswith("|")


@given(
    st.lists(
        st.sampled_from(["Kim", "Yong", "chol", "Ri", "Pak", "Song", "ae"]), min_size=1, max_size=4
    )
)
def test_a_name_always_finds_itself_in_either_word_order(words: list[str]) -> None:
    name = " ".join(words)
    index = index_of({"m1": Names(None, name)})
    assert index.search(name) == ["P-000001"]
    if len(words) > 1:
        assert index.search(" ".join([words[-1], *words[:-1]])) == ["P-000001"]
