"""Every stored code has one reader's word per language, and no code shows through."""

from __future__ import annotations

import re

import pytest

from refwatch.domain.enums import EventType, Flag, ObservationKind, SourceType, Status
from refwatch.domain.labels import LANGUAGES, VOCABULARIES, label, labels

HANGUL = re.compile(r"[\uac00-\ud7a3]")
ENUMS = {
    "source_type": SourceType,
    "status": Status,
    "flag": Flag,
    "event": EventType,
    "observation": ObservationKind,
}


@pytest.mark.parametrize("vocabulary", sorted(ENUMS))
def test_every_member_of_every_vocabulary_has_a_label_in_every_language(vocabulary: str) -> None:
    assert set(VOCABULARIES[vocabulary]) == {m.value for m in ENUMS[vocabulary]}
    for lang in LANGUAGES:
        words = labels(vocabulary, lang)
        assert all(words.values()), (vocabulary, lang)
        # One label per value: two values of one vocabulary never read the same.
        assert len(set(words.values())) == len(words), (vocabulary, lang, words)


def test_the_internal_codes_never_show_raw() -> None:
    for code in ("ngo_list", "born_in_detention", "capacity_change", "held_in_dprk"):
        for lang in LANGUAGES:
            shown = label(code, lang)
            assert "_" not in shown and shown != code, (code, lang)
    assert label("ngo_list") == "NGO list"
    assert label("capacity_change", "en", "observation") == "change in capacity"


def test_korean_labels_are_korean_with_no_english_word_left() -> None:
    for vocabulary, table in VOCABULARIES.items():
        for code in table:
            shown = label(code, "ko", vocabulary)
            assert HANGUL.search(shown), (vocabulary, code, shown)
            assert not re.search(r"[a-z]{2,}", shown), (vocabulary, code, shown)


def test_an_unknown_value_reads_as_words_and_no_value_as_nothing() -> None:
    assert label("some_new_kind") == "some new kind"
    assert label("some_new_kind", "ko") == "some new kind"
    assert label(None) == "" and label("") == ""
    assert label(Status.SAFE, "ko") == "안전"
    # The vocabulary picks the right table where a value could be read two ways.
    assert label("detention", "en", "event") == "detention began"
