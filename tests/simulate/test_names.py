"""Invented Korean names and their romanisations."""

from __future__ import annotations

import random

import pytest

from refwatch.simulate.names import (
    ASCII_SYSTEMS,
    SYSTEMS,
    dprk_hangul,
    generate_name,
    is_hangul_name,
    random_variant,
    romanise,
    split_name,
)


def test_revised_romanization_of_kim_yeongcheol_joins_the_given_name() -> None:
    assert romanise("김영철", "rr") == "Kim Yeongcheol"


def test_mccune_reischauer_keeps_breves_and_apostrophes() -> None:
    assert romanise("김영철", "mr") == "Kim Yŏngch'ŏl"


def test_mccune_reischauer_without_marks_gives_kim_yongchol() -> None:
    assert romanise("김영철", "mr_plain") == "Kim Yongchol"


def test_mccune_reischauer_voices_a_plain_consonant_inside_the_given_name() -> None:
    assert romanise("강영기", "mr") == "Kang Yŏnggi"
    assert romanise("최성호", "mr") == "Ch'oe Sŏngho"


def test_conventional_spellings_use_the_customary_family_names() -> None:
    assert romanise("김영철", "conventional") == "Kim Young-chul"
    assert romanise("박순희", "conventional") == "Park Soon-hee"
    assert romanise("최성호", "conventional") == "Choi Sung-ho"
    assert romanise("정명숙", "conventional") == "Jung Myung-sook"
    assert romanise("이영희", "conventional") == "Lee Young-hee"


@pytest.mark.parametrize("name", ["리영희", "이영희"])
def test_dprk_style_writes_ri_for_the_family_name_ri(name: str) -> None:
    assert romanise(name, "dprk").startswith("Ri ")
    assert romanise(name, "dprk") == "Ri Yong Hui"


def test_dprk_style_keeps_the_initial_r_of_rim_and_ryu() -> None:
    assert romanise("임송이", "dprk").startswith("Rim ")
    assert romanise("류철민", "dprk").startswith("Ryu ")
    assert romanise("유철민", "dprk").startswith("Ryu ")


def test_dprk_hangul_writes_the_northern_family_name() -> None:
    assert dprk_hangul("이영희") == "리영희"
    assert dprk_hangul("임송이") == "림송이"
    assert dprk_hangul("김영철") == "김영철"


def test_park_appears_as_park_pak_and_bak() -> None:
    rng = random.Random(7)
    family_names = {romanise("박순희", s, rng).split()[0] for s in SYSTEMS}
    family_names |= {part for _ in range(300) for part in random_variant("박순희", rng).split()}
    assert {"Park", "Pak", "Bak"} <= family_names


def test_revised_romanization_follows_the_jamo_tables_syllable_by_syllable() -> None:
    assert romanise("한글자", "rr") == "Han Geulja"
    assert romanise("신진혁", "rr") == "Sin Jinhyeok"
    assert romanise("신진혁", "mr") == "Shin Chinhyŏk"


def test_a_double_family_name_is_split_off_whole() -> None:
    assert split_name("남궁민") == ("남궁", "민")
    assert split_name("김영철") == ("김", "영철")


def test_text_that_is_not_a_hangul_name_is_refused() -> None:
    with pytest.raises(ValueError):
        romanise("Kim", "rr")
    with pytest.raises(ValueError):
        romanise("김영철", "yale")


def test_every_variant_of_a_name_is_non_empty_ascii_except_mccune_reischauer_with_marks() -> None:
    rng = random.Random(11)
    names = [generate_name(rng, rng.choice("FM")) for _ in range(400)]
    names += ["리영희", "남궁민", "쀍쒧"]
    ascii_weights = {s: 1.0 for s in ASCII_SYSTEMS}
    for name in names:
        for system in ASCII_SYSTEMS:
            text = romanise(name, system, rng)
            assert text and text.isascii(), (name, system, text)
        variant = random_variant(name, rng, ascii_weights)
        assert variant and variant.isascii(), (name, variant)
        marked = romanise(name, "mr")
        assert marked and all(ch.isascii() or ch in "ŏŭŎŬ" for ch in marked)


def test_informal_spelling_is_reproducible_with_the_same_rng_seed() -> None:
    first = [random_variant("김영철", random.Random(3)) for _ in range(3)]
    assert len(set(first)) == 1
    assert romanise("김영철", "informal") == romanise("김영철", "informal")


def test_generated_names_are_hangul_with_frequent_common_names() -> None:
    rng = random.Random(5)
    names = [generate_name(rng, "F") for _ in range(5000)]
    assert all(is_hangul_name(n) and 2 <= len(n) <= 3 for n in names)
    assert names.count("김영희") >= 10
    assert sum(n.startswith("김") for n in names) > sum(n.startswith("박") for n in names)
