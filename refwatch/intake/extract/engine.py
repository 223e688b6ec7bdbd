"""The extraction pipeline (placeholder until the rules land)."""

from __future__ import annotations

from datetime import date

from refwatch.gazetteer import Gazetteer
from refwatch.intake.extract.model import Extraction


def run(text: str, *, gazetteer: Gazetteer | None, reference_date: date | None) -> Extraction:
    del text, gazetteer, reference_date
    return Extraction(claims=(), mentions=(), observations=())
