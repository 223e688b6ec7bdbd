"""Looking a single spelling up."""

from __future__ import annotations

from pathlib import Path

import pytest

from refwatch.gazetteer import Gazetteer, load_gazetteer

GAZ = load_gazetteer()


@pytest.mark.parametrize(
    ("text", "place_id"),
    [
        ("Yanji", "cn-jilin-yanji"),
        ("延吉", "cn-jilin-yanji"),
        ("연길", "cn-jilin-yanji"),
        ("Tumen", "cn-jilin-tumen"),
        ("图们", "cn-jilin-tumen"),
        ("도문", "cn-jilin-tumen"),
        ("Changbai", "cn-jilin-changbai"),
        ("长白", "cn-jilin-changbai"),
        ("장백", "cn-jilin-changbai"),
        ("North Hamgyong", "kp-hamgyongbuk"),
        ("Hamgyongbuk-do", "kp-hamgyongbuk"),
        ("함경북도", "kp-hamgyongbuk"),
        ("Ryanggang", "kp-ryanggang"),
        ("Yanggang", "kp-ryanggang"),
        ("Xishuangbanna", "cn-yunnan-xishuangbanna"),
        ("西双版纳", "cn-yunnan-xishuangbanna"),
        ("Hoeryŏng", "kp-hamgyongbuk-hoeryong"),
        ("Sinŭiju", "kp-pyonganbuk-sinuiju"),
        ("Tumen border detention center", "fac-cn-tumen-border-detention"),
        ("Tumen detention facility", "fac-cn-tumen-border-detention"),
    ],
)
def test_spellings_from_the_domain_notes_resolve(text: str, place_id: str) -> None:
    found = GAZ.resolve(text)
    assert found is not None
    assert found.id == place_id


def test_spacing_case_and_suffixes_in_the_input_do_not_matter() -> None:
    assert GAZ.resolve("  musan-GUN ") is GAZ.get("kp-hamgyongbuk-musan")
    assert GAZ.resolve("Hyesan City") is GAZ.get("kp-ryanggang-hyesan")
    assert GAZ.resolve("图们市") is GAZ.get("cn-jilin-tumen")


@pytest.mark.parametrize(
    "text", ["", "   ", "Atlantis", "Hamgyong", "Pyongan", "Korea", "Tumenn", "Musann", "市"]
)
def test_an_unknown_or_ambiguous_name_gives_none(text: str) -> None:
    assert GAZ.resolve(text) is None


def test_kinds_restrict_the_candidates() -> None:
    assert GAZ.resolve("Tumen", kinds={"facility"}) is None
    assert GAZ.resolve("Tumen detention center", kinds={"county", "city"}) is None
    found = GAZ.resolve("图们边防支队看守所", kinds={"facility"})
    assert found is not None and found.id == "fac-cn-tumen-border-detention"
    assert GAZ.resolve("Yunnan", kinds={"county", "city"}) is None


def test_a_misspelt_kind_is_an_error_not_an_empty_answer() -> None:
    with pytest.raises(ValueError, match="towm"):
        GAZ.resolve("Tumen", kinds={"towm"})


def test_get_raises_for_an_unknown_id() -> None:
    with pytest.raises(KeyError):
        GAZ.get("cn-atlantis")


SHARED = """\
id,kind,country,parent_id,name_latin,name_hangul,name_hanzi,lat,lon,aliases,source
cn,country,CN,,China,중국,中国,35.86,104.2,,approximate
cn-yunnan,province,CN,cn,Yunnan,윈난,云南,25,101.7,Banna,approximate
cn-yunnan-banna,prefecture,CN,cn-yunnan,Banna,반나,版纳,22,100.9,,approximate
cn-yunnan-jinghong,city,CN,cn-yunnan-banna,Jinghong,징훙,景洪,22,100.8,Banna,approximate
fac-jh,facility,CN,cn-yunnan-jinghong,Jinghong lockup,징훙구류소,景洪看守所,22,100.8,Banna,x
"""


@pytest.fixture
def shared(tmp_path: Path) -> Gazetteer:
    path = tmp_path / "shared.csv"
    path.write_text(SHARED, encoding="utf-8")
    return Gazetteer.from_csv(path)


def test_a_shared_name_prefers_city_then_prefecture_then_province(shared: Gazetteer) -> None:
    def pick(kinds: set[str] | None) -> str | None:
        found = shared.resolve("Banna", kinds=kinds)
        return None if found is None else found.id

    assert pick(None) == "cn-yunnan-jinghong"
    assert pick({"prefecture", "province"}) == "cn-yunnan-banna"
    assert pick({"province"}) == "cn-yunnan"


def test_a_shared_name_gives_the_facility_only_when_asked_for(shared: Gazetteer) -> None:
    asked = shared.resolve("Banna", kinds={"facility", "city"})
    assert asked is not None and asked.id == "fac-jh"
    assert shared.resolve("Banna", kinds={"facility"}) is asked
    not_asked = shared.resolve("Banna")
    assert not_asked is not None and not_asked.kind == "city"
