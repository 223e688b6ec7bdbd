"""The shipped table: every spelling finds its place, and the facts are plausible."""

from __future__ import annotations

from collections import defaultdict

import pytest

from refwatch.gazetteer import Place, load_gazetteer, normalise_place_text
from refwatch.gazetteer.model import written_forms

GAZ = load_gazetteer()
FORMS = [(place.id, form) for place in GAZ for form in written_forms(place)]
OWNERS: dict[str, set[str]] = defaultdict(set)
for _place_id, _form in FORMS:
    OWNERS[normalise_place_text(_form)].add(_place_id)


@pytest.mark.parametrize(("place_id", "form"), FORMS, ids=[f"{i}={f}" for i, f in FORMS])
def test_every_name_and_alias_resolves_to_its_place(place_id: str, form: str) -> None:
    place = GAZ.get(place_id)
    assert GAZ.resolve(form, kinds={place.kind}) is place
    if OWNERS[normalise_place_text(form)] == {place_id}:
        assert GAZ.resolve(form) is place


def test_no_spelling_is_shared_between_places_today() -> None:
    # Sharing is allowed across ranks, but each case should be a decision; list them here.
    shared = {key: ids for key, ids in OWNERS.items() if len(ids) > 1}
    assert shared == {}


# fmt: off
REQUIRED = [
    "kp", "kp-hamgyongbuk", "kp-hamgyongnam", "kp-ryanggang", "kp-chagang", "kp-pyonganbuk",
    "kp-pyongannam", "kp-hwanghaebuk", "kp-hwanghaenam", "kp-kangwon", "kp-pyongyang",
    "kp-rason", "kp-hamgyongbuk-hoeryong", "kp-hamgyongbuk-musan", "kp-hamgyongbuk-onsong",
    "kp-hamgyongbuk-namyang", "kp-hamgyongbuk-chongjin", "kp-hamgyongbuk-kimchaek",
    "kp-hamgyongbuk-kyongsong", "kp-hamgyongbuk-saebyol", "kp-hamgyongbuk-yonsa",
    "kp-ryanggang-hyesan", "kp-ryanggang-samjiyon", "kp-ryanggang-taehongdan",
    "kp-ryanggang-pochon", "kp-ryanggang-kapsan", "kp-hamgyongnam-hamhung",
    "kp-pyonganbuk-sinuiju", "kp-chagang-kanggye", "kp-chagang-manpo", "kp-hwanghaebuk-kaesong",
    "cn", "cn-jilin",
    "cn-liaoning", "cn-heilongjiang", "cn-yunnan", "cn-shandong", "cn-guangxi",
    "cn-inner-mongolia", "cn-beijing", "cn-jilin-yanbian", "cn-jilin-yanji", "cn-jilin-tumen",
    "cn-jilin-helong", "cn-jilin-longjing", "cn-jilin-hunchun", "cn-jilin-antu",
    "cn-jilin-changbai", "cn-jilin-linjiang", "cn-jilin-jian", "cn-jilin-baishan",
    "cn-jilin-changchun", "cn-liaoning-dandong", "cn-liaoning-shenyang",
    "cn-heilongjiang-harbin", "cn-heilongjiang-mudanjiang", "cn-shandong-qingdao",
    "cn-shandong-yantai", "cn-yunnan-kunming", "cn-yunnan-xishuangbanna", "cn-yunnan-jinghong",
    "cn-yunnan-mengla", "cn-yunnan-mohan", "cn-guangxi-nanning", "cn-guangxi-pingxiang", "la",
    "la-luang-namtha", "la-boten", "la-vientiane", "th", "th-chiang-rai", "th-chiang-saen",
    "th-bangkok", "vn", "mn", "kr", "kr-seoul", "fac-cn-tumen-border-detention",
    "fac-cn-yanji-detention", "fac-cn-longjing-detention", "fac-cn-helong-detention",
    "fac-cn-changbai-detention", "fac-cn-dandong-border-detention", "fac-cn-shenyang-detention",
    "fac-cn-kunming-detention", "fac-cn-xishuangbanna-detention", "fac-cn-mengla-detention",
    "fac-cn-baishan-detention", "fac-cn-hunchun-detention", "fac-kp-onsong-bowibu",
    "fac-kp-hoeryong-bowibu", "fac-kp-sinuiju-jipkyulso", "fac-kp-hyesan-jipkyulso",
]
# fmt: on


@pytest.mark.parametrize("place_id", REQUIRED)
def test_the_places_reports_name_most_are_present(place_id: str) -> None:
    assert place_id in GAZ


def test_north_korea_has_nine_provinces_and_two_province_level_cities() -> None:
    first_level = [p for p in GAZ if p.country == "KP" and p.kind == "province"]
    assert len(first_level) == 11


# Generous boxes around each country: a swapped lat/lon or a sign slip lands far outside.
BOXES = {
    "KP": (37.5, 43.1, 124.0, 130.8),
    "CN": (18.0, 53.6, 73.5, 135.1),
    "LA": (13.9, 22.5, 100.0, 107.7),
    "TH": (5.6, 20.5, 97.3, 105.7),
    "VN": (8.4, 23.4, 102.1, 109.5),
    "MN": (41.5, 52.2, 87.7, 120.0),
    "KR": (33.0, 38.7, 124.5, 131.0),
}


@pytest.mark.parametrize("place", list(GAZ), ids=lambda p: p.id)
def test_coordinates_lie_inside_the_country(place: Place) -> None:
    south, north, west, east = BOXES[place.country]
    assert south <= place.lat <= north
    assert west <= place.lon <= east


NEAR_A_PARENT = [
    p for p in GAZ if p.parent_id is not None and GAZ.get(p.parent_id).kind != "country"
]


@pytest.mark.parametrize("place", NEAR_A_PARENT, ids=lambda p: p.id)
def test_a_place_lies_near_its_parent(place: Place) -> None:
    assert place.parent_id is not None
    parent = GAZ.get(place.parent_id)
    # A facility sits at its town's coordinates; a province's are the rough centre of a
    # large area (Heilongjiang is 900 km long); Changbai is 160 km from Baishan's centre.
    if place.kind == "facility":
        limit = 1.0
    elif parent.kind == "province":
        limit = 800.0
    else:
        limit = 200.0
    assert GAZ.distance_km(place.id, parent.id) <= limit


@pytest.mark.parametrize("place", list(GAZ), ids=lambda p: p.id)
def test_every_place_is_named_in_three_scripts_and_says_where_its_facts_come_from(
    place: Place,
) -> None:
    assert place.name_latin and place.name_hangul and place.name_hanzi
    assert "approximate" in place.source


def test_parents_come_before_their_children() -> None:
    seen: set[str] = set()
    for place in GAZ:
        assert place.parent_id is None or place.parent_id in seen
        seen.add(place.id)
