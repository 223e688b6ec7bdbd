"""Linkage review explains a pair in the page's language: every level of every comparison
of the shipped settings (the words the review table shows) has a Korean translation."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from refwatch.linkage.settings import LinkageConfig, settings_creator
from refwatch.web.i18n import catalogue_path

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def test_every_comparison_level_of_the_settings_reads_in_korean() -> None:
    settings = settings_creator(LinkageConfig()).get_settings("duckdb").as_dict()
    levels = {
        str(level["label_for_charts"])
        for comparison in settings["comparisons"]
        for level in comparison["comparison_levels"]
    }
    names = {str(c["output_column_name"]) for c in settings["comparisons"]}
    assert len(levels) > 40
    with open(catalogue_path("ko"), "rb") as handle:
        catalogue = read_po(handle, locale="ko")
    korean = {m.id: str(m.string) for m in catalogue if m.id and m.string}
    missing = sorted(
        w for w in levels | names | {"adjusted for how common the name is"} if w not in korean
    )
    assert missing == []
    assert all(HANGUL.search(korean[w]) for w in levels)
