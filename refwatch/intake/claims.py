"""Claims: figures other organisations published, recorded with their source, date and sentence.

Why: a release saying "at least 41 detained in July and August 2017" is evidence of its own
kind. It names no person, so it never becomes a mention; it is a question (event or status,
period, place, sex, flags) with another organisation's answer, which `refwatch check`
compares with our own count (`refwatch.counting.claims_check`). The sentence is sealed like
report text (a release may quote a testimony); everything else stays queryable. Recording
the same claim twice for the same source changes nothing (a keyed fingerprint of its
content is unique per source), so accepting a reviewed file again is harmless.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from refwatch.domain.dates import DateInterval, parse_date
from refwatch.domain.enums import EventType, Flag, Sex, Status
from refwatch.domain.errors import DateError, InputError
from refwatch.gazetteer import Gazetteer, load_gazetteer
from refwatch.intake.context import get_or_create_source, sources_table
from refwatch.intake.extract.model import MAX_NUMBER, QUALIFIERS
from refwatch.store import audit
from refwatch.store.bulk import bulk_insert
from refwatch.store.crypto import FieldCipher
from refwatch.store.ids import new_id
from refwatch.store.queries import from_row
from refwatch.store.schema import table_of
from refwatch.store.schema_claims import ClaimEntry

claims_table = table_of(ClaimEntry)

MAX_TEXT = 5_000
"""A claim's sentence: a paragraph at most. Longer is a pasted document, not a sentence."""
MAX_SOURCE = 200

QUALIFIER_WORDS = {"exact": "", "at_least": "at least ", "at_most": "at most ", "about": "about "}
_EVENT_WORDS = {
    "departure": "left",
    "apprehension": "apprehended",
    "detention": "detained",
    "transfer": "transferred",
    "return": "forcibly returned",
    "release": "released",
    "safety": "reached safety",
    "imprisonment": "imprisoned after return",
    "death": "died",
    "birth": "born in detention",
    "disappearance": "disappeared after return",
}
_STATUS_WORDS = {
    "detained": "still detained",
    "returned": "forcibly returned",
    "released": "released",
    "safe": "safe",
    "died": "dead",
    "unknown": "of unknown fate",
    "held_in_dprk": "held in North Korea",
    "disappeared": "disappeared",
}
_FLAG_WORDS = {
    "child": "children",
    "older": "older persons",
    "pregnant": "pregnant women",
    "ill": "ill persons",
    "born_in_detention": "babies born in detention",
    "guide": "guides",
}
_MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


@dataclass(frozen=True, slots=True)
class ClaimInput:
    """A claim as a researcher states it (CLI, web form, an accepted proposal).

    `place` is a gazetteer id or any name the gazetteer resolves; `period_from` and
    `period_to` are EDTF dates (the period runs from the start of one to the end of the
    other; either may be open); `published_on` is when the source published it.
    """

    source: str
    number: int
    qualifier: str
    text: str = ""
    source_type: str | None = None
    published_on: str | None = None
    event: str | None = None
    status: str | None = None
    flags: tuple[str, ...] = ()
    sex: str | None = None
    place: str | None = None
    period_from: str | None = None
    period_to: str | None = None


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    """A stored claim; `text` is None unless it was opened with a cipher."""

    id: str
    source: str
    published_on: str | None
    number: int
    qualifier: str
    event: str | None
    status: str | None
    flags: tuple[str, ...]
    sex: str | None
    place_id: str | None
    period_from: str | None
    period_to: str | None
    period_earliest: date | None
    period_latest: date | None
    recorded_by: str
    recorded_at: datetime
    text: str | None = None

    def describe(self, gazetteer: Gazetteer | None = None) -> str:
        """ "Organisation X, 2017-09-14: at least 41 detained, July–August 2017"."""
        head = f"{self.source}, {self.published_on}" if self.published_on else self.source
        return f"{head}: {self.figure(gazetteer)}"

    def figure(self, gazetteer: Gazetteer | None = None) -> str:
        """The figure without its source: "at least 41 detained, July–August 2017"."""
        who = " and ".join(_FLAG_WORDS[f] for f in self.flags)
        if self.sex is not None:
            who = f"{'female' if self.sex == 'F' else 'male'} {who or 'persons'}"
        what = _STATUS_WORDS[self.status] if self.status else ""
        if self.event is not None and not (self.status and _EVENT_WORDS[self.event] == what):
            what = f"{_EVENT_WORDS[self.event]}{', ' + what if what else ''}"
        words = [f"{QUALIFIER_WORDS[self.qualifier]}{self.number}"]
        words += [w for w in (who, what) if w]
        if not who and not what:
            words.append("known cases")
        text = " ".join(words)
        if self.place_id is not None:
            gaz = gazetteer or load_gazetteer()
            name = gaz.get(self.place_id).name_latin if self.place_id in gaz else self.place_id
            text += f" in {name}"
        period = period_text(self.period_from, self.period_to)
        return f"{text}, {period}" if period else text

    def as_dict(self) -> dict[str, object]:
        """The claim for `--json` and the API; the sentence only when it was opened."""
        data: dict[str, object] = {
            "id": self.id,
            "source": self.source,
            "published_on": self.published_on,
            "number": self.number,
            "qualifier": self.qualifier,
            "event": self.event,
            "status": self.status,
            "flags": list(self.flags),
            "sex": self.sex,
            "place": self.place_id,
            "from": self.period_from,
            "to": self.period_to,
            "recorded_by": self.recorded_by,
            "recorded_at": self.recorded_at.isoformat(),
            "display": self.describe(),
        }
        if self.text is not None:
            data["text"] = self.text
        return data


@dataclass(frozen=True, slots=True)
class ClaimWrite:
    """What recording a claim did: its id, and whether it was new (False: already there)."""

    id: str
    created: bool


def period_text(period_from: str | None, period_to: str | None) -> str:
    """A period as a reader says it: "July–August 2017", "since July 2016", "2017"."""
    if period_from is None and period_to is None:
        return ""
    if period_to is None:
        return f"since {_date_words(period_from)}"
    if period_from is None:
        return f"up to {_date_words(period_to)}"
    if period_from == period_to:
        return _date_words(period_from)
    lo, hi = _month(period_from), _month(period_to)
    if lo is not None and hi is not None:
        if lo[0] == hi[0]:
            return f"{_MONTHS[lo[1] - 1]}–{_MONTHS[hi[1] - 1]} {lo[0]}"
        return f"{_MONTHS[lo[1] - 1]} {lo[0]}–{_MONTHS[hi[1] - 1]} {hi[0]}"
    return f"{_date_words(period_from)} to {_date_words(period_to)}"


def _month(text: str) -> tuple[int, int] | None:
    parts = text.split("-")
    if len(parts) == 2 and all(p.isdigit() for p in parts) and len(parts[0]) == 4:
        month = int(parts[1])
        if 1 <= month <= 12:
            return int(parts[0]), month
    return None


def _date_words(text: str | None) -> str:
    assert text is not None
    month = _month(text)
    return f"{_MONTHS[month[1] - 1]} {month[0]}" if month else text


def _fail(where: str, column: str, message: str, value: object = None) -> InputError:
    shown = None if value is None else str(value)[:80]
    return InputError(message, file=where, column=column, value=shown)


def _choice(where: str, column: str, value: str | None, allowed: Sequence[str]) -> str | None:
    if value is None:
        return None
    if value not in allowed:
        raise _fail(where, column, f"must be one of {', '.join(allowed)}", value)
    return value


@dataclass(frozen=True, slots=True)
class _Checked:
    claim: ClaimInput
    flags: tuple[str, ...]
    place_id: str | None
    published: tuple[date, date] | None
    period: tuple[date | None, date | None]


def check_claim(
    claim: ClaimInput, *, where: str = "claim", gazetteer: Gazetteer | None = None
) -> _Checked:
    """Every field against the model's vocabularies; InputError names the field (and the
    value, except the sentence, which is protected)."""
    source = claim.source.strip()
    if not source or len(source) > MAX_SOURCE:
        raise _fail(where, "source", f"must be a name of 1 to {MAX_SOURCE} characters")
    if isinstance(claim.number, bool) or not isinstance(claim.number, int):
        raise _fail(where, "number", "must be a whole number", claim.number)
    if not 0 <= claim.number <= MAX_NUMBER:
        raise _fail(where, "number", f"must be between 0 and {MAX_NUMBER}", claim.number)
    _choice(where, "qualifier", claim.qualifier, QUALIFIERS)
    _choice(where, "event", claim.event, [e.value for e in EventType])
    _choice(where, "status", claim.status, [s.value for s in Status])
    _choice(where, "sex", claim.sex, [s.value for s in Sex])
    flags = tuple(sorted(set(claim.flags)))
    for flag in flags:
        _choice(where, "flags", flag, [f.value for f in Flag])
    if not isinstance(claim.text, str) or len(claim.text) > MAX_TEXT:
        raise _fail(where, "text", f"must be text of at most {MAX_TEXT} characters")
    place_id = None
    if claim.place is not None and claim.place.strip():
        gaz = gazetteer or load_gazetteer()
        if claim.place in gaz:
            place_id = claim.place
        else:
            found = gaz.resolve(claim.place)
            if found is None:
                raise _fail(where, "place", "the gazetteer knows no such place", claim.place)
            place_id = found.id
    published = None
    if claim.published_on is not None:
        interval = _date(where, "published_on", claim.published_on)
        published = (interval.earliest, interval.latest)
    lo = _date(where, "from", claim.period_from) if claim.period_from else None
    hi = _date(where, "to", claim.period_to) if claim.period_to else None
    if lo is not None and hi is not None and hi.latest < lo.earliest:
        raise _fail(where, "to", "the period ends before it starts", claim.period_to)
    period = (lo.earliest if lo else None, hi.latest if hi else None)
    return _Checked(claim, flags, place_id, published, period)


def _date(where: str, column: str, text: str) -> DateInterval:
    if not isinstance(text, str) or len(text) > 64:
        raise _fail(where, column, "must be an EDTF date", text)
    try:
        return parse_date(text)
    except DateError as exc:
        raise _fail(where, column, str(exc)) from None


def _canonical(checked: _Checked) -> str:
    c = checked.claim
    return json.dumps(
        [
            "claim/1",
            c.published_on,
            c.number,
            c.qualifier,
            c.event,
            c.status,
            list(checked.flags),
            c.sex,
            checked.place_id,
            c.period_from,
            c.period_to,
            c.text,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def record_claim(
    conn: Connection,
    cipher: FieldCipher,
    claim: ClaimInput,
    *,
    actor: str,
    where: str = "claim",
    gazetteer: Gazetteer | None = None,
) -> ClaimWrite:
    """Record a claim in the caller's transaction (audited); the same claim from the same
    source again is found, not copied."""
    (written,) = record_claims(
        conn, cipher, [claim], actor=actor, where=lambda _: where, gazetteer=gazetteer
    )
    return written


def record_claims(
    conn: Connection,
    cipher: FieldCipher,
    claims: Sequence[ClaimInput],
    *,
    actor: str,
    where: Callable[[int], str] = lambda i: f"claims[{i}]",
    gazetteer: Gazetteer | None = None,
) -> list[ClaimWrite]:
    """Record several claims in the caller's transaction: all are checked before any is
    written (InputError names `where(i)` and the field), then written in bulk with one
    audit entry each. A claim already recorded for its source, or repeated in `claims`,
    is found, not copied."""
    gaz = gazetteer or load_gazetteer()
    checked = [check_claim(c, where=where(i), gazetteer=gaz) for i, c in enumerate(claims)]
    sources: dict[str, str] = {}
    for claim in claims:
        name = claim.source.strip()
        if name not in sources:
            sources[name] = get_or_create_source(conn, name, claim.source_type, actor)
    keys = [(sources[c.claim.source.strip()], cipher.fingerprint(_canonical(c))) for c in checked]
    known = _existing(conn, keys)
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    records: list[audit.AuditRecord] = []
    out: list[ClaimWrite] = []
    for item, (source_id, fingerprint) in zip(checked, keys, strict=True):
        found = known.get((source_id, fingerprint))
        if found is not None:
            out.append(ClaimWrite(found, created=False))
            continue
        claim, claim_id = item.claim, new_id()
        known[(source_id, fingerprint)] = claim_id
        published = item.published
        text = cipher.seal("claims", "text", claim_id, claim.text) if claim.text else None
        rows.append(
            {
                "id": claim_id,
                "source_id": source_id,
                "published_on": claim.published_on,
                "published_earliest": published[0] if published else None,
                "published_latest": published[1] if published else None,
                "number": claim.number,
                "qualifier": claim.qualifier,
                "event": claim.event,
                "status": claim.status,
                "flags": ";".join(item.flags),
                "sex": claim.sex,
                "place": claim.place,
                "place_id": item.place_id,
                "period_from": claim.period_from,
                "period_to": claim.period_to,
                "period_earliest": item.period[0],
                "period_latest": item.period[1],
                "text_enc": text,
                "fingerprint": fingerprint,
                "recorded_by": actor,
                "recorded_at": now,
            }
        )
        records.append(
            audit.AuditRecord(
                actor,
                "claim.create",
                "claims",
                claim_id,
                {"source_id": source_id, "number": claim.number, "qualifier": claim.qualifier},
            )
        )
        out.append(ClaimWrite(claim_id, created=True))
    bulk_insert(conn, claims_table, rows)
    if records:
        audit.append(conn, records)
    return out


def _existing(conn: Connection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Ids of claims already recorded, by (source id, fingerprint)."""
    found: dict[tuple[str, str], str] = {}
    fingerprints = sorted({f for _, f in keys})
    for start in range(0, len(fingerprints), 500):
        chunk = fingerprints[start : start + 500]
        rows = conn.execute(
            select(claims_table.c.id, claims_table.c.source_id, claims_table.c.fingerprint).where(
                claims_table.c.fingerprint.in_(chunk)
            )
        )
        for row in rows:
            found[(row.source_id, row.fingerprint)] = str(row.id)
    return found


def list_claims(conn: Connection, cipher: FieldCipher | None = None) -> list[ClaimRecord]:
    """Every claim, oldest publication first; the sentences opened only with a cipher."""
    c, s = claims_table, sources_table
    rows = conn.execute(
        select(c, s.c.name.label("source_name"))
        .join(s, s.c.id == c.c.source_id)
        .order_by(c.c.published_earliest, s.c.name, c.c.recorded_at, c.c.id)
    ).all()
    out = []
    for row in rows:
        text = None
        if cipher is not None:
            text = cipher.open("claims", "text", row.id, row.text_enc) or ""
        flags = tuple(f for f in row.flags.split(";") if f)
        out.append(from_row(ClaimRecord, row, source=row.source_name, flags=flags, text=text))
    return out


def delete_claim(conn: Connection, claim_id: str, *, actor: str) -> None:
    """Remove a claim (a mistaken entry: a claim is no evidence about a person, so nothing
    else refers to it); audited with its id. InputError if there is no such claim."""
    gone = conn.execute(delete(claims_table).where(claims_table.c.id == claim_id)).rowcount
    if not gone:
        raise InputError("no claim with this id", column="id", value=claim_id[:64])
    audit.log(conn, actor, "claim.delete", table_name="claims", record_id=claim_id)
