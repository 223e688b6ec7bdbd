"""Reading a home place written as province and county together."""

from __future__ import annotations

import pytest

from refwatch.gazetteer import load_gazetteer

GAZ = load_gazetteer()


def origin(text: str) -> str | None:
    found = GAZ.resolve_origin(text)
    return None if found is None else found.id


@pytest.mark.parametrize(
    "text",
    [
        "Hamgyongbuk-do, Musan",
        "함경북도 무산군",
        "Musan, North Hamgyong",
        "North Hamgyong Musan",
        "Musan-gun (North Hamgyŏng)",
        "Musan county, North Hamgyong province, DPRK",
        "咸镜北道茂山郡",
        "咸鏡北道 茂山",
        "함경북도무산군",
        "함경북도무산군.",
        "Musan",
        "무산",
    ],
)
def test_a_county_with_or_without_its_province_gives_the_county(text: str) -> None:
    assert origin(text) == "kp-hamgyongbuk-musan"


def test_province_and_city_run_together_with_a_space() -> None:
    assert origin("Ryanggang Hyesan") == "kp-ryanggang-hyesan"
    assert origin("Yanggang-do Hyesan-si") == "kp-ryanggang-hyesan"
    assert origin("양강도 혜산시") == "kp-ryanggang-hyesan"


def test_a_single_province_gives_the_province() -> None:
    assert origin("North Hamgyong") == "kp-hamgyongbuk"
    assert origin("Hamgyŏng-pukto") == "kp-hamgyongbuk"


def test_a_county_in_the_wrong_province_gives_the_province() -> None:
    # Musan is in North Hamgyong: trust the coarser statement, not the county.
    assert origin("Ryanggang, Musan") == "kp-ryanggang"
    assert origin("Hyesan, North Hamgyong") == "kp-hamgyongbuk"


def test_a_town_is_checked_against_every_level_named() -> None:
    assert origin("Onsong, Namyang") == "kp-hamgyongbuk-namyang"
    assert origin("Jilin, Changbai") == "cn-jilin-changbai"
    # Changbai belongs to Baishan, not to Yanbian.
    assert origin("Yanbian, Changbai") == "cn-jilin-yanbian"


def test_two_counties_and_no_province_give_what_they_share() -> None:
    assert origin("Musan, Hyesan") == "kp"


def test_an_unknown_part_is_left_out_and_the_rest_still_counts() -> None:
    assert origin("Kyungsung, North Hamgyong") == "kp-hamgyongbuk"
    assert origin("Sambong-ri, Onsong") == "kp-hamgyongbuk-onsong"


def test_filler_words_may_stand_beside_a_name() -> None:
    assert origin("near Musan") == "kp-hamgyongbuk-musan"
    assert origin("Hoeryong in North Hamgyong") == "kp-hamgyongbuk-hoeryong"
    assert origin("무산 근처") == "kp-hamgyongbuk-musan"
    assert origin("Musan – North Hamgyong") == "kp-hamgyongbuk-musan"


def test_a_known_name_inside_an_unknown_one_is_not_taken() -> None:
    # The Tumen river is not Tumen city; a village of Onsong written without a comma is
    # not read as Onsong either.
    assert origin("Tumen River") is None
    assert origin("Sambong-ri Onsong") is None


@pytest.mark.parametrize(
    "text", ["", "unknown", "Atlantis, Lemuria", "Tumen border detention center"]
)
def test_text_that_names_no_origin_gives_none(text: str) -> None:
    assert origin(text) is None
