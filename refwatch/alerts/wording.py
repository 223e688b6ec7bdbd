"""An alert's reason in words (English), from its factor codes and parameters.

Why from codes: the stored factors hold only codes, numbers, dates and gazetteer ids, so
the reason text can contain nothing a source wrote and no name; the web page words the
same codes in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from refwatch.gazetteer import load_gazetteer


def _facility(place_id: str) -> str:
    gazetteer = load_gazetteer()
    return gazetteer.get(place_id).name_latin if place_id in gazetteer else place_id


def factor_text(code: str, params: Mapping[str, Any]) -> str:
    if code == "pre_return_facility":
        names = ", ".join(_facility(f) for f in params.get("facilities", []))
        return (
            f"held at {names}, from which {params.get('returned')} person(s) were returned "
            f"in the last {params.get('within_days')} days"
        )
    if code == "group_returned":
        return f"{params.get('returned')} member(s) of the same group already returned"
    if code == "vulnerable":
        return "vulnerable: " + ", ".join(str(k).replace("_", " ") for k in params["kinds"])
    if code == "stale":
        days = params.get("days")
        if days is None:
            return "stale evidence: no report has confirmed the detention"
        return f"stale evidence: no confirmation for {days} days (threshold {params['threshold']})"
    if code == "conflict":
        return "reports conflict: " + ", ".join(
            str(c).replace("_", " ") for c in params["conflicts"]
        )
    if code == "possibly_held":
        return "possibly, not certainly, still held"
    return code


def reason_text(
    factors: Iterable[Mapping[str, Any]], since: date | None, last_confirmed: date | None
) -> str:
    """One sentence: still held since …, last confirmed on …, then every factor."""
    head = "still held" + (f" since {since.isoformat()}" if since else "")
    head += (
        f"; last confirmed on {last_confirmed.isoformat()}"
        if last_confirmed
        else "; never confirmed"
    )
    parts = [factor_text(str(f["code"]), f.get("params") or {}) for f in factors]
    return "; ".join([head, *parts])
