"""A person-level public table, only on request, coarsened, re-keyed and k-anonymous.

Why: some users of public data need rows, not tables. A row per person is released only
when asked for, and then: the person's id is replaced by a release key drawn at random for
this release (the mapping is not stored anywhere, so two releases cannot be joined), the
start of detention is given as a month, the place as a province, and only values the
records make certain are shown (an uncertain one is left empty). Persons are included
when their detention certainly began in the period and their consent allows anonymised
statistics (`refwatch.domain.consent`: a person recorded as `no_use` or `internal` is left
out; one with nothing recorded is presumed to allow it). If any combination of the shown
values is shared by fewer than k persons, the whole table is refused.
"""

from __future__ import annotations

import secrets
from typing import Any

import numpy as np

from refwatch.counting.count import evaluate
from refwatch.counting.criteria import Bounds, flag_match
from refwatch.counting.dimensions import Membership, month_membership, place_membership
from refwatch.counting.filters import CountFilter
from refwatch.counting.query import make_query
from refwatch.counting.snapshot import load_snapshot
from refwatch.counting.status import STATUSES, status_sets
from refwatch.domain.consent import Use, decide
from refwatch.gazetteer import load_gazetteer
from refwatch.publish.disclosure import DEFAULT_K, check_k_anonymity
from refwatch.store.consents import effective_consents
from refwatch.store.workspace import Workspace

PERSON_COLUMNS = ("release_id", "month", "province", "sex", "age_band", "status", "flags")
PERSON_HXL = (
    "#affected+id+release",
    "#date+month",
    "#adm1+code",
    "#indicator+sex",
    "#indicator+age",
    "#status+code",
    "#indicator+vulnerability",
)
_PUBLIC_FLAGS = ("child", "older", "born_in_detention")


def _certain_labels(membership: Membership) -> dict[int, str]:
    out: dict[int, str] = {}
    for person, cell, sure in zip(
        membership.person.tolist(),
        membership.cell.tolist(),
        membership.certain.tolist(),
        strict=True,
    ):
        if sure:
            out[int(person)] = membership.labels[int(cell)]
    return out


def person_rows(
    workspace: Workspace,
    released: CountFilter,
    *,
    k: int = DEFAULT_K,
    withheld: list[str] | None = None,
) -> list[dict[str, Any]]:
    """The rows of the persons `released` counts (a release's detentions), or DisclosureError
    when they are not k-anonymous; the ids of persons left out for their consent are
    appended to `withheld` (for the caller's count, never for the release)."""
    snapshot = load_snapshot(workspace)
    query = make_query(released)
    result = evaluate(snapshot, query)
    facts = snapshot.facts
    ev_ids = snapshot.evidence.person_ids
    chosen = result.certain_mask
    months = _certain_labels(month_membership(facts, query, chosen))
    provinces = _certain_labels(
        place_membership(snapshot.evidence, facts, load_gazetteer(), chosen, "province")
    )
    sets = status_sets(facts, query.as_of_day)
    flags = {f: flag_match(facts, f) for f in _PUBLIC_FLAGS}
    bands = {"0-17": (0, 17), "18-59": (18, 59), "60+": (60, 150)}
    with workspace.read() as conn:
        consents = effective_consents(conn)
    rows: list[dict[str, Any]] = []
    for person in np.flatnonzero(chosen).tolist():
        consent = consents.get(ev_ids[person])
        if consent is not None and not decide(consent, Use.PERSON_RELEASE).allowed:
            if withheld is not None:
                withheld.append(ev_ids[person])
            continue
        sex = _sex(facts.has_f[person], facts.has_m[person])
        band = next(
            (
                b
                for b, (lo, hi) in bands.items()
                if facts.age_hi[person] >= 0
                and lo <= facts.age_lo[person]
                and facts.age_hi[person] <= hi
            ),
            "",
        )
        status = next(
            (s for s in STATUSES if sets.possible[person] == (1 << STATUSES.index(s))), ""
        )
        rows.append(
            {
                "month": months.get(person, ""),
                "province": provinces.get(person, ""),
                "sex": sex,
                "age_band": band,
                "status": status,
                "flags": ";".join(f for f in _PUBLIC_FLAGS if _sure(flags[f], person)),
            }
        )
    check_k_anonymity([tuple(r.values()) for r in rows], k)
    secrets.SystemRandom().shuffle(rows)
    return [{"release_id": f"R-{i:06d}", **r} for i, r in enumerate(rows, start=1)]


def _sure(bounds: Bounds, person: int) -> bool:
    return bool(bounds.certain[person])


def _sex(female: bool, male: bool) -> str:
    if female and not male:
        return "F"
    if male and not female:
        return "M"
    return ""
