"""Rules every page template keeps, checked on the templates themselves (issue 18): header
cells say what they head, the first Tab can skip the menu, and dates read one way."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from refwatch.web.templating import TEMPLATE_DIR, _format_date

TEMPLATES = sorted(Path(TEMPLATE_DIR).glob("*.html"))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_every_header_cell_says_whether_it_heads_a_column_or_a_row(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    bare = [
        m.group(0) for m in re.finditer(r"<th(?=[\s>])[^>]*>", text) if "scope=" not in m.group(0)
    ]
    assert bare == [], f"{template.name}: <th> without scope: {bare[:3]}"


def test_the_first_link_of_every_page_skips_to_the_content() -> None:
    base = (Path(TEMPLATE_DIR) / "base.html").read_text(encoding="utf-8")
    body = base.split("<body", 1)[1]
    first_link = re.search(r"<a\s[^>]*>", body)
    assert first_link is not None and 'href="#main"' in first_link.group(0)
    assert re.search(r'<main id="main" tabindex="-1"', base)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (date(2016, 7, 31), "2016-07-31"),
        (datetime(2017, 9, 30, 14, 5, 59, 123456), "2017-09-30 14:05 UTC"),
        (
            datetime(2017, 9, 30, 23, 30, tzinfo=timezone(timedelta(hours=9))),
            "2017-09-30 14:30 UTC",
        ),
        ("2017-09-30T14:05:59.123456+00:00", "2017-09-30 14:05 UTC"),
        (datetime(2017, 1, 2, 3, 4, tzinfo=UTC), "2017-01-02 03:04 UTC"),
        (None, ""),
        ("not a time", "not a time"),
    ],
)
def test_dates_and_times_read_one_way_with_no_microseconds(value: object, shown: str) -> None:
    assert _format_date(value) == shown  # type: ignore[arg-type]
