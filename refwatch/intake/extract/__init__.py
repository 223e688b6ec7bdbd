"""Free text in, proposals out: claims, person mentions and context observations.

Accounts reach researchers as text (a relative's message, a typed-up phone interview, an
organisation's press release). `extract` reads English or Korean text and proposes what it
states, in the model's own words; nothing becomes evidence until a researcher accepts it.
See docs/extraction.md for what is proposed, how to read it and how well it does.
"""

from __future__ import annotations

from datetime import date

from refwatch.gazetteer import Gazetteer
from refwatch.intake.extract.model import (
    QUALIFIERS,
    Claim,
    Extraction,
    Mention,
    Observation,
)

__all__ = ["QUALIFIERS", "Claim", "Extraction", "Mention", "Observation", "extract"]


def extract(
    text: str, *, gazetteer: Gazetteer | None = None, reference_date: date | None = None
) -> Extraction:
    """Propose the claims, mentions and observations `text` states.

    `reference_date` is the document's date: relative dates ("last year", 지난해) are
    read against it, and left unresolved without it.
    """
    from refwatch.intake.extract.engine import run

    return run(text, gazetteer=gazetteer, reference_date=reference_date)
