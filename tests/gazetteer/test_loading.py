"""Loading checks the whole table and names the row at fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from refwatch.gazetteer import Gazetteer, load_gazetteer

HEADER = "id,kind,country,parent_id,name_latin,name_hangul,name_hanzi,lat,lon,aliases,source\n"
GOOD = HEADER + (
    "kp,country,KP,,North Korea,북한,朝鲜,40.34,127.51,DPRK,approximate\n"
    "kp-ryanggang,province,KP,kp,Ryanggang,량강도,两江道,41.4,128,Yanggang;양강도,approximate\n"
    "kp-ryanggang-hyesan,city,KP,kp-ryanggang,Hyesan,혜산,惠山,41.4,128.18,Hyesan-si,approximate\n"
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "places.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_table_loads_from_a_path(tmp_path: Path) -> None:
    gaz = Gazetteer.from_csv(write(tmp_path, GOOD))
    assert len(gaz) == 3
    assert [p.id for p in gaz] == ["kp", "kp-ryanggang", "kp-ryanggang-hyesan"]
    assert gaz.get("kp-ryanggang").aliases == ("Yanggang", "양강도")
    assert gaz.resolve_origin("Yanggang-do Hyesan") is gaz.get("kp-ryanggang-hyesan")


def test_a_byte_order_mark_is_tolerated(tmp_path: Path) -> None:
    assert len(Gazetteer.from_csv(write(tmp_path, "\ufeff" + GOOD))) == 3


@pytest.mark.parametrize(
    ("extra_row", "message"),
    [
        (
            "kp-ryanggang,province,KP,kp,Ryang,량,两,41,128,,approximate",
            r"places\.csv:5 \(kp-ryanggang\): duplicate id 'kp-ryanggang'",
        ),
        (
            "kp-x-musan,county,KP,kp-nowhere,Musan,무산,茂山,42.2,129.2,,approximate",
            r"places\.csv:5 \(kp-x-musan\): parent 'kp-nowhere' is not defined",
        ),
        ("kp-x,county,KP,kp,X,엑스,艾,142.2,129.2,,approximate", r":5 \(kp-x\): lat '142.2'"),
        ("kp-x,county,KP,kp,X,엑스,艾,42.2,east,,approximate", r":5 \(kp-x\): lon 'east'"),
        ("kp-x,town,KP,kp,X,엑스,艾,42.2,129.2,,approximate", r":5 \(kp-x\): kind 'town'"),
        ("Kp X,county,KP,kp,X,엑스,艾,42.2,129.2,,approximate", r"id 'Kp X' is not"),
        ("kp-x,county,North Korea,kp,X,엑스,艾,42,129,,approximate", r"country 'North Korea'"),
        ("kp-x,county,CN,kp,X,엑스,艾,42,129,,approximate", r"country CN differs from parent"),
        ("kp-x,county,KP,,X,엑스,艾,42,129,,approximate", r"parent_id is empty"),
        ("kp-x,county,KP,kp,X,엑스,艾,42,129,,", r"source is empty"),
        ("kp-x,county,KP,kp,,엑스,艾,42,129,,approximate", r"name_latin is empty"),
        ("kp-x,county,KP,kp,X,엑스,艾,42,129,;--;,approximate", r"name '--' has no letters"),
        ("kp-x,county,KP,kp,X,엑스,艾,42,129", r":5: expected 11 cells, got 9"),
        (
            "kp-x,county,KP,kp-ryanggang,Hyesan County,혜산군,惠山郡,41,128,,approximate",
            r":5 \(kp-x\): 'Hyesan County' \(key 'hyesan'\) is also a name of "
            r"'kp-ryanggang-hyesan' \(.*places\.csv:4 \(kp-ryanggang-hyesan\)\)",
        ),
    ],
)
def test_a_bad_row_is_rejected_with_its_line_and_id(
    tmp_path: Path, extra_row: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Gazetteer.from_csv(write(tmp_path, GOOD + extra_row + "\n"))


def test_a_parent_defined_after_its_child_is_rejected(tmp_path: Path) -> None:
    lines = GOOD.splitlines(keepends=True)
    reordered = lines[0] + lines[1] + lines[3] + lines[2]
    with pytest.raises(ValueError, match=r"parent 'kp-ryanggang' is not defined on an earlier"):
        Gazetteer.from_csv(write(tmp_path, reordered))


def test_a_wrong_header_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="header must be"):
        Gazetteer.from_csv(write(tmp_path, GOOD.replace("name_hanzi", "name_hanja")))


def test_a_name_shared_across_ranks_is_allowed(tmp_path: Path) -> None:
    row = "fac-hyesan,facility,KP,kp-ryanggang-hyesan,Hyesan lockup,혜산,惠山,41.4,128.18,,approx\n"
    gaz = Gazetteer.from_csv(write(tmp_path, GOOD + row))
    assert gaz.resolve("혜산") is gaz.get("kp-ryanggang-hyesan")
    assert gaz.resolve("혜산", kinds={"facility"}) is gaz.get("fac-hyesan")


def test_places_built_in_code_are_checked_too() -> None:
    kp = load_gazetteer().get("kp")
    with pytest.raises(ValueError, match=r"place 'kp': duplicate id"):
        Gazetteer([kp, kp])


def test_the_shipped_table_is_loaded_once() -> None:
    assert load_gazetteer() is load_gazetteer()
    load_gazetteer.cache_clear()
    try:
        first = load_gazetteer()
        assert first is load_gazetteer()
    finally:
        load_gazetteer.cache_clear()
    assert load_gazetteer() is not first
