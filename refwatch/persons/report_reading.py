"""A report's protected fields opened for one reader: its text and the names its mention
gives, with how many were shown, so the caller can audit the read.

Why here: the report page and the API's report answer open the same fields under the same
rule (the text only for a reader who may read report texts, names whenever the key is
loaded); the interfaces say who may read, this module opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from refwatch.persons.name_index import Names
from refwatch.store.crypto import FieldCipher


@dataclass(frozen=True, slots=True)
class OpenedReport:
    text: str | None
    names: Names | None
    shown: int
    """How many decrypted values (the text, each name written) the reader was given."""


def open_report(
    cipher: FieldCipher | None, report: Any, mention: Any, *, may_read_text: bool
) -> OpenedReport:
    """`report` and `mention` are `intake.reports.report_detail`'s rows (mention may be
    None); with no cipher (the server started without the key) nothing is opened."""
    if cipher is None:
        return OpenedReport(None, None, 0)
    text = None
    if may_read_text and report.text_enc is not None:
        text = cipher.open("reports", "text", report.id, report.text_enc)
    names = None
    if mention is not None:
        names = Names(
            cipher.open("mentions", "name_hangul", mention.id, mention.name_hangul_enc),
            cipher.open("mentions", "name_latin", mention.id, mention.name_latin_enc),
        )
    shown = (text is not None) + (len(names.written()) if names is not None else 0)
    return OpenedReport(text, names, shown)
