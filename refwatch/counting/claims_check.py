"""Compare another organisation's claim with our own count for the same question.

Why: "X says at least 41 detained in July–August 2017" is worth most beside what our own
records can show for the same question (event or status, period, place, sex, flags). Our
count has two bounds: `at_least` persons we certainly document, `at_most` persons our
records could possibly be. Only the lower bound is a fact about the world (there were at
least that many); the upper bound is a limit of our evidence, not of the truth, because a
source may know of persons no record of ours names. Hence three verdicts (docs/claims.md):

- contradiction: the claim says there were fewer than we certainly document;
- short: the claim says there were more than we can document; not a contradiction;
- consistent: the claim's figure falls within our bounds (or its range meets them).

A claim is never merged into our person records and never blocks publishing: `refwatch
check` lists these verdicts as warnings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from refwatch.counting.count import evaluate
from refwatch.counting.query import EVENTS, CountQuery, make_query
from refwatch.counting.snapshot import Snapshot, load_snapshot
from refwatch.domain.errors import InputError
from refwatch.gazetteer import Gazetteer, load_gazetteer
from refwatch.intake.claims import ClaimRecord, list_claims
from refwatch.store.workspace import Workspace

CONSISTENT = "consistent"
SHORT = "short"
CONTRADICTION = "contradiction"
NOT_COMPARABLE = "not_comparable"

ABOUT = 0.10
""""About 40" is read as within 10% either way (and at least one person either way)."""

_SAYS = {"exact": "exactly ", "at_least": "at least ", "at_most": "at most ", "about": "about "}


def claim_range(qualifier: str, number: int) -> tuple[int, int | None]:
    """The true number a claim allows, [low, high] (high None: no upper limit)."""
    if qualifier == "exact":
        return number, number
    if qualifier == "at_least":
        return number, None
    if qualifier == "at_most":
        return 0, number
    low = max(0, min(number - 1, math.floor(number * (1 - ABOUT))))
    high = max(number + 1, math.ceil(number * (1 + ABOUT)))
    return low, high


def verdict(qualifier: str, number: int, at_least: int, at_most: int) -> tuple[str, int]:
    """(verdict, gap): by how many persons the claim and our bounds miss each other."""
    low, high = claim_range(qualifier, number)
    if high is not None and high < at_least:
        return CONTRADICTION, at_least - high
    if low > at_most:
        return SHORT, low - at_most
    return CONSISTENT, 0


@dataclass(frozen=True)
class ClaimComparison:
    """One claim beside our own count for its question."""

    claim: ClaimRecord
    verdict: str
    message: str
    at_least: int | None = None
    at_most: int | None = None
    gap: int = 0
    query: CountQuery | None = None

    def ours(self) -> str:
        """Our bounds as a sentence reads them: "at least 38, up to 44"."""
        if self.at_least is None or self.at_most is None:
            return ""
        if self.at_least == self.at_most:
            return f"{self.at_least}"
        return f"at least {self.at_least}, up to {self.at_most}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "claim": self.claim.as_dict(),
            "verdict": self.verdict,
            "message": self.message,
            "at_least": self.at_least,
            "at_most": self.at_most,
            "gap": self.gap,
            "question": self.query.to_json() if self.query else None,
        }

    def outcome(self) -> dict[str, Any]:
        """The fields of a `checks.CheckOutcome`: a warning, failing only on a contradiction."""
        return {
            "name": f"claim: {self.claim.describe()}",
            "ok": self.verdict != CONTRADICTION,
            "severity": "warning",
            "message": self.message,
            "details": self.as_dict(),
        }


def claim_query(claim: ClaimRecord) -> CountQuery:
    """Our question for a claim: the same event (or status, read as of the publication
    date, else the end of the period), period, place, sex and flags."""
    if claim.event is not None and claim.event not in EVENTS:
        raise InputError(
            f"our counts do not cover the event {claim.event!r} (they count {', '.join(EVENTS)})"
        )
    as_of: str | date | None = None
    if claim.status is not None:
        as_of = claim.published_on or claim.period_to or None
    return make_query(
        event=claim.event,
        period_from=claim.period_from,
        period_to=claim.period_to,
        place=claim.place_id,
        sex=claim.sex,
        flags=claim.flags,
        status=claim.status,
        as_of=as_of,
    )


def compare_claim(
    snapshot: Snapshot, claim: ClaimRecord, gazetteer: Gazetteer | None = None
) -> ClaimComparison:
    gaz = gazetteer or load_gazetteer()
    says = f"{claim.source} says {_SAYS[claim.qualifier]}{claim.number}"
    try:
        query = claim_query(claim)
    except InputError as exc:
        return ClaimComparison(claim, NOT_COMPARABLE, f"{says}: cannot compare: {exc.reason}")
    result = evaluate(snapshot, query, gaz)
    low, high = result.at_least, result.at_most
    found, gap = verdict(claim.qualifier, claim.number, low, high)
    ours = f"our evidence: at least {low}" + (f" (up to {high})" if high != low else "")
    if found == CONSISTENT:
        message = f"{ours}; {says}: consistent"
    elif found == SHORT:
        message = (
            f"{says}, we can document at most {high}: our evidence falls short by {gap} — "
            "not a contradiction, they may know of persons we do not"
        )
    else:
        message = (
            f"{says}, we document at least {low}: inconsistent — our records certainly "
            f"show {gap} more than their figure allows"
        )
    return ClaimComparison(claim, found, message, low, high, gap, query)


def compare_claims(
    workspace: Workspace,
    *,
    snapshot: Snapshot | None = None,
    claims: Sequence[ClaimRecord] | None = None,
) -> list[ClaimComparison]:
    """Every claim of the workspace (or those given) beside our count, one snapshot."""
    if claims is None:
        with workspace.read() as conn:
            claims = list_claims(conn)
    if not claims:
        return []
    snap = snapshot or load_snapshot(workspace)
    gaz = load_gazetteer()
    return [compare_claim(snap, claim, gaz) for claim in claims]
