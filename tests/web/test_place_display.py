"""A place leads with the gazetteer's name in the page's language; the source's words
stay beside it where they differ, and an unknown place shows as written, escaped."""

from __future__ import annotations

from refwatch.web.place_display import place_markup, place_text


def test_a_place_written_in_hanzi_reads_in_the_page_language_with_the_words_beside_it() -> None:
    english = str(place_markup("图们", "en", as_written="as written"))
    assert english.startswith('<span class="place" data-place=')
    assert ">Tumen</span>" in english and "(as written: 图们)" in english
    korean = str(place_markup("Tumen", "ko", as_written="원문 표기"))
    assert ">도문</span>" in korean and "(원문 표기: Tumen)" in korean


def test_the_gazetteer_name_alone_when_the_source_wrote_it_so() -> None:
    shown = str(place_markup("Tumen", "en"))
    assert ">Tumen</span>" in shown and "as written" not in shown


def test_an_origin_in_either_script_and_order_reads_as_one_name() -> None:
    hangul = str(place_markup("양강도 혜산", "en", origin=True))
    latin = str(place_markup("Yanggang-do, Hyesan", "en", origin=True))
    led_by = [shown.split(' <span class="as-written')[0] for shown in (hangul, latin)]
    assert led_by[0] == led_by[1] and "Hyesan" in led_by[0]
    assert "(as written: 양강도 혜산)" in hangul


def test_an_unknown_place_is_shown_as_written_and_escaped() -> None:
    assert str(place_markup("a hamlet upriver", "en")) == "a hamlet upriver"
    assert str(place_markup("<b>x</b>", "en")) == "&lt;b&gt;x&lt;/b&gt;"
    assert str(place_markup(None, "en")) == "" and place_text(None, "en") == ""
