"""The tree of places: what lies within what, and how far apart."""

from __future__ import annotations

import pytest

from refwatch.gazetteer import load_gazetteer

GAZ = load_gazetteer()


def test_yunnan_contains_xishuangbanna_its_towns_and_their_facilities_but_not_tumen() -> None:
    inside = GAZ.within("cn-yunnan")
    for place_id in (
        "cn-yunnan",
        "cn-yunnan-xishuangbanna",
        "cn-yunnan-jinghong",
        "cn-yunnan-mengla",
        "cn-yunnan-mohan",
        "cn-yunnan-kunming",
        "fac-cn-xishuangbanna-detention",
        "fac-cn-mengla-detention",
        "fac-cn-kunming-detention",
    ):
        assert place_id in inside
    assert "cn-jilin-tumen" not in inside
    assert "fac-cn-tumen-border-detention" not in inside


def test_within_a_leaf_is_the_leaf_itself() -> None:
    assert GAZ.within("fac-cn-tumen-border-detention") == {"fac-cn-tumen-border-detention"}


def test_within_a_country_is_every_place_in_it() -> None:
    assert GAZ.within("kp") == {p.id for p in GAZ if p.country == "KP"}


def test_ancestors_run_from_the_nearest_to_the_country() -> None:
    chain = [p.id for p in GAZ.ancestors("fac-cn-tumen-border-detention")]
    assert chain == ["cn-jilin-tumen", "cn-jilin-yanbian", "cn-jilin", "cn"]
    assert GAZ.ancestors("kp") == []


@pytest.mark.parametrize(
    ("place_id", "province_id"),
    [
        ("fac-cn-tumen-border-detention", "cn-jilin"),
        ("cn-jilin-changbai", "cn-jilin"),
        ("fac-cn-mengla-detention", "cn-yunnan"),
        ("kp-hamgyongbuk-namyang", "kp-hamgyongbuk"),
        ("kp-ryanggang", "kp-ryanggang"),
        ("kp-pyongyang", "kp-pyongyang"),
        ("cn-beijing", "cn-beijing"),
        ("th-bangkok", "th"),
        ("kr-seoul", "kr"),
        ("mn", "mn"),
    ],
)
def test_province_of_is_the_first_level_division_or_else_the_country(
    place_id: str, province_id: str
) -> None:
    found = GAZ.province_of(place_id)
    assert found is not None and found.id == province_id


def test_tumen_and_yanji_are_a_short_drive_apart() -> None:
    # Straight line about 29 km; the road between them is roughly 50 km.
    assert 20 <= GAZ.distance_km("cn-jilin-tumen", "cn-jilin-yanji") <= 40


def test_distance_is_symmetric_and_zero_to_itself() -> None:
    assert GAZ.distance_km("kp", "kp") == 0
    there = GAZ.distance_km("cn-yunnan-mohan", "la-boten")
    assert there == GAZ.distance_km("la-boten", "cn-yunnan-mohan")
    assert there < 10
    assert 1000 < GAZ.distance_km("cn-jilin-tumen", "cn-yunnan-mengla") < 4000


def test_unknown_ids_raise_key_error() -> None:
    for call in (GAZ.ancestors, GAZ.within, GAZ.province_of):
        with pytest.raises(KeyError):
            call("cn-atlantis")
    with pytest.raises(KeyError):
        GAZ.distance_km("cn-jilin-tumen", "cn-atlantis")
