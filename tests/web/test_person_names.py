"""One main name per person, and every other spelling once, with the sources that used it."""

from __future__ import annotations

from refwatch.persons.name_index import Names
from refwatch.web.person_names import Variant, main_name, person_names


def test_a_name_written_twice_shows_once_and_the_romanisation_beside_it() -> None:
    # The case: "정명길 · 정명길 · Jung Myung-kil".
    shown = person_names(
        [(Names("정명길", None), "SDC list"), (Names("정명길", "Jung Myung-kil"), "Family")]
    )
    assert shown is not None
    assert shown.main == Names("정명길", "Jung Myung-kil")
    assert shown.variants == ()


def test_other_spellings_are_variants_with_each_source_once() -> None:
    shown = person_names(
        [
            (Names("정명길", "Jung Myung-kil"), "SDC list"),
            (Names("정명길", "Chong Myong-gil"), "Family"),
            (Names("정명걸", "Jung Myung-kil"), "Network A"),
            (Names(None, "Chong Myong-gil"), "Family"),
            (Names("정명길", "Jung Myung-kil"), "Network A"),
        ]
    )
    assert shown is not None
    # The spelling most written wins in each script.
    assert shown.main == Names("정명길", "Jung Myung-kil")
    assert shown.variants == (
        Variant("Chong Myong-gil", "latin", ("Family",)),
        Variant("정명걸", "hangul", ("Network A",)),
    )


def test_a_tie_goes_to_the_earliest_mention_and_nothing_gives_nothing() -> None:
    shown = main_name([Names("김철", None), Names("김철수", None)])
    assert shown is not None and shown.main == Names("김철", None)
    assert [v.written for v in shown.variants] == ["김철수"]
    assert person_names([]) is None and main_name([]) is None


def test_a_latin_only_person_has_no_hangul_main_name() -> None:
    shown = main_name([Names(None, "崔明南")])
    assert shown is not None and shown.main == Names(None, "崔明南") and shown.variants == ()
