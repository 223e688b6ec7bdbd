"""Defuse spreadsheet formulas in cells RefWatch writes to CSV (formula or CSV injection).

Why: a source name, a place or a note typed by anyone can start with `=`, and a
spreadsheet opening the export would run it (`=HYPERLINK(...)` leaks data to a web
site, `=cmd|' /C calc'!A0` starts a program through DDE). Every CSV writer in RefWatch
passes its cells through `neutralise` (or `neutral_row`).

The rule follows OWASP's CSV Injection guidance
(https://owasp.org/www-community/attacks/CSV_Injection) and ASVS 5.0 requirement 1.2.10:
a cell that starts with `=`, `+`, `-`, `@`, TAB (0x09), CR (0x0D), NUL (ASVS) or the
full-width `＝` (U+FF1D), `＋` (U+FF0B), `－` (U+FF0D), `＠` (U+FF20) (OWASP: spreadsheet
programs in CJK locales read these as formula signs, and Korean users type them) gets a
single quote in front, which spreadsheets read as "this cell is text". The one exception
is a plain negative number (`-12`, `-3.5`): it cannot hold a formula, and a quote would
turn a number into text. `-2+3+cmd|' /C calc'!A0` is no plain number (a spreadsheet reads
it as a formula), so it is defused; so is `+4` (no RefWatch column holds numbers written
with a plus sign, and `+82...` phone numbers stay text instead of turning into 8.2E+11).
Non-text values (numbers, None) are returned unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\x00", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NEGATIVE_NUMBER = re.compile(r"-[0-9]+(?:\.[0-9]+)?", re.ASCII)


def neutralise(value: object) -> object:
    """The cell as a spreadsheet will read it as text: `'` + value for a formula start."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_START)
        and not _NEGATIVE_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def neutral_row(cells: Iterable[object]) -> list[object]:
    """A CSV row with every cell neutralised (None written as an empty cell)."""
    return ["" if cell is None else neutralise(cell) for cell in cells]
