"""Accept reviewed proposals: a report per mention, a claim per claim, an observation each.

Why: extraction only proposes (`refwatch.intake.extract`); a researcher reviews each
proposal beside its sentence, edits what is wrong, drops what is not meant, and accepts the
rest. Accepting writes through the paths every other intake takes, so the same rules hold:
mentions go through the importer's writer (same validation, new/updated/unchanged, its
audit entries), with the sentence sealed as the report's text; claims through
`refwatch.intake.claims`; observations through `refwatch.intake.context`. Everything of
one accept is one transaction: a failure anywhere (bad field, crash, lost server) leaves
nothing of it. Accepting the same reviewed proposals again changes nothing: a mention's
record id is a keyed hash of its sentence and place in the text, a claim is found by its
fingerprint, an observation by its fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from refwatch.domain.caserecord import CaseRecord
from refwatch.domain.dates import parse_date
from refwatch.domain.enums import STATUS_EVENT, EventType, SourceType, Status
from refwatch.domain.errors import DateError, InputError
from refwatch.gazetteer import Gazetteer, load_gazetteer
from refwatch.intake.claims import ClaimInput, record_claims
from refwatch.intake.context import add_observation, observations_table, sources_table
from refwatch.intake.extract.model import Extraction, Mention, Observation
from refwatch.intake.importer import FileSummary
from refwatch.intake.records import write_records
from refwatch.intake.validate import RowValidator
from refwatch.store import audit
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace

MAX_ITEMS = 1_000
"""Proposals of one kind in one accept. A release states a few dozen figures; thousands
are a generated file (or an attack on the reviewer), refused before anything is written."""

Stage = Callable[[str], None]
_CUSTODY = frozenset({EventType.APPREHENSION.value, EventType.DETENTION.value})
_EVENT_STATUS = {event.value: status.value for status, event in STATUS_EVENT.items()}


@dataclass
class AcceptSummary:
    """What an accept wrote: the mentions' import summary, claims and observations."""

    file: str
    mentions: FileSummary
    claims_new: int = 0
    claims_unchanged: int = 0
    observations_new: int = 0
    observations_unchanged: int = 0
    claim_ids: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        m = self.mentions
        return bool(m.new or m.updated or self.claims_new or self.observations_new)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "mentions": {
                "new": self.mentions.new,
                "updated": self.mentions.updated,
                "unchanged": self.mentions.unchanged,
            },
            "claims": {"new": self.claims_new, "unchanged": self.claims_unchanged},
            "observations": {
                "new": self.observations_new,
                "unchanged": self.observations_unchanged,
            },
            "claim_ids": self.claim_ids,
        }


def accept_extraction(
    workspace: Workspace,
    cipher: FieldCipher,
    extraction: Extraction,
    *,
    source: str,
    label: str,
    digest: str,
    actor: str,
    source_type: str | None = None,
    reported_on: str | None = None,
    stage: Stage | None = None,
) -> AcceptSummary:
    """Turn reviewed proposals into evidence in one transaction (see the module's doc).

    `label` names the reviewed file in messages and in the import batch; `digest` is its
    SHA-256. `stage`, if given, is told after each kind is written ("mentions",
    "claims", "observations"), inside the transaction.
    """
    gazetteer = load_gazetteer()
    _check_sizes(extraction, label)
    _check_source(source_type, reported_on)
    records, texts = _mention_records(
        extraction,
        cipher,
        label,
        gazetteer,
        source=source,
        source_type=source_type,
        reported_on=reported_on,
    )
    claims = _claim_inputs(extraction, source, source_type, reported_on)
    observed = [
        _observed_on(o, reported_on, label, i) for i, o in enumerate(extraction.observations)
    ]
    with workspace.write() as conn:
        result = write_records(
            conn, cipher, records, label, digest, actor, texts, _language(extraction.language)
        )
        summary = AcceptSummary(label, result.summary)
        _tell(stage, "mentions")
        for written in record_claims(
            conn,
            cipher,
            claims,
            actor=actor,
            where=lambda i: f"{label} claims[{i}]",
            gazetteer=gazetteer,
        ):
            summary.claim_ids.append(written.id)
            if written.created:
                summary.claims_new += 1
            else:
                summary.claims_unchanged += 1
        _tell(stage, "claims")
        for observation, on in zip(extraction.observations, observed, strict=True):
            if _add_observation(conn, observation, on, source, source_type, actor):
                summary.observations_new += 1
            else:
                summary.observations_unchanged += 1
        _tell(stage, "observations")
        if summary.changed:
            audit.log(
                conn,
                actor,
                "extract.accept",
                details={"sha256": digest, **_counts(summary)},
            )
    return summary


def _check_source(source_type: str | None, reported_on: str | None) -> None:
    """The report's date and source type, refused before anything is read further."""
    if reported_on is not None:
        try:
            parse_date(reported_on)
        except DateError as exc:
            raise InputError(str(exc), column="reported_on", value=reported_on[:64]) from None
    if source_type is not None and source_type not in {t.value for t in SourceType}:
        raise InputError(
            f"must be one of {', '.join(t.value for t in SourceType)}",
            column="source_type",
            value=source_type,
        )


def _mention_records(
    extraction: Extraction,
    cipher: FieldCipher,
    label: str,
    gazetteer: Gazetteer,
    *,
    source: str,
    source_type: str | None,
    reported_on: str | None,
) -> tuple[list[tuple[int, CaseRecord]], dict[int, str]]:
    """Each mention as a validated case-list row (numbered from 1) with a record id that
    is the same on every acceptance of the same sentence, and each row's sentence text.
    A bad field is named as `mentions[i].field`."""
    texts: dict[int, str] = {}
    records: list[tuple[int, CaseRecord]] = []
    validator = RowValidator(label)
    ordinals: dict[tuple[str, int, int], int] = {}
    for index, mention in enumerate(extraction.mentions):
        key = (mention.text, mention.start, mention.end)
        ordinals[key] = ordinals.get(key, -1) + 1
        record_id = (
            "x-"
            + cipher.fingerprint(
                _canonical_key("mention", mention.text, mention.start, mention.end, ordinals[key])
            )[:24]
        )
        cells = _mention_cells(mention, source, source_type, reported_on, record_id, gazetteer)
        try:
            records.append((index + 1, validator.validate(index + 1, cells)))
        except InputError as exc:
            raise InputError(
                exc.reason, file=label, column=f"mentions[{index}].{exc.column}", value=exc.value
            ) from None
        texts[index + 1] = mention.text
    return records, texts


def _claim_inputs(
    extraction: Extraction, source: str, source_type: str | None, reported_on: str | None
) -> list[ClaimInput]:
    """The proposed claims as the claims room takes them, the report's source on each."""
    return [
        ClaimInput(
            source=source,
            source_type=source_type,
            published_on=reported_on,
            number=c.number,
            qualifier=c.qualifier,
            event=c.event,
            status=c.status,
            flags=c.flags,
            sex=c.sex,
            place=c.place,
            period_from=c.date_from,
            period_to=c.date_to,
            text=c.text,
        )
        for c in extraction.claims
    ]


def _counts(summary: AcceptSummary) -> dict[str, int]:
    return {
        "mentions_new": summary.mentions.new,
        "mentions_updated": summary.mentions.updated,
        "claims_new": summary.claims_new,
        "observations_new": summary.observations_new,
    }


def _tell(stage: Stage | None, name: str) -> None:
    if stage is not None:
        stage(name)


def _check_sizes(extraction: Extraction, label: str) -> None:
    for name in ("claims", "mentions", "observations"):
        items = getattr(extraction, name)
        if len(items) > MAX_ITEMS:
            raise InputError(
                f"{len(items)} proposals; accept at most {MAX_ITEMS} of one kind at a time "
                "(split the file)",
                file=label,
                column=name,
            )


def _canonical_key(*parts: object) -> str:
    return "\x1f".join(str(p) for p in parts)


def _language(language: str) -> str | None:
    return language if language in ("en", "ko") else None


def place_text(gazetteer: Gazetteer, place_id: str | None) -> str | None:
    """A name the importer resolves back to exactly this place (its ids are not names)."""
    if place_id is None or place_id not in gazetteer:
        return None
    place = gazetteer.get(place_id)
    for name in (place.name_latin, place.name_hanzi, place.name_hangul, *place.aliases):
        found = gazetteer.resolve(name)
        if found is not None and found.id == place_id:
            return name
    return place.name_latin


def _period(date_from: str | None, date_to: str | None) -> str | None:
    if date_from and date_to:
        return date_from if date_from == date_to else f"{date_from}/{date_to}"
    return date_from or date_to


def _mention_cells(
    mention: Mention,
    source: str,
    source_type: str | None,
    reported_on: str | None,
    record_id: str,
    gazetteer: Gazetteer,
) -> dict[str, str | None]:
    """A mention as the case-list row a researcher would have typed for it."""
    status = mention.status
    if status is None and mention.event in _EVENT_STATUS and mention.event not in _CUSTODY:
        status = _EVENT_STATUS[mention.event]
    in_custody = mention.event in _CUSTODY or (
        mention.event is None and status in (None, Status.DETAINED.value)
    )
    period = _period(mention.date_from, mention.date_to)
    place = mention.place
    is_facility = (
        place is not None and place in gazetteer and gazetteer.get(place).kind == "facility"
    )
    others = [*mention.names_hangul[1:], *mention.names_latin[1:]]
    return {
        "source": source,
        "source_type": source_type,
        "reported_on": reported_on,
        "record_id": record_id,
        "name_hangul": mention.names_hangul[0] if mention.names_hangul else None,
        "name_latin": mention.names_latin[0] if mention.names_latin else None,
        "sex": mention.sex,
        "age": None if mention.age is None else str(mention.age),
        "origin": place_text(gazetteer, mention.origin),
        "apprehended_on": period if in_custody else None,
        "apprehended_at": None if is_facility else place_text(gazetteer, place),
        "held_at": place_text(gazetteer, place) if is_facility else None,
        "status": status,
        "status_on": None if in_custody else period,
        "flags": ";".join(mention.flags) or None,
        "notes": ("also written: " + ", ".join(others)) if others else None,
    }


def _observed_on(o: Observation, reported_on: str | None, label: str, index: int) -> str:
    on = _period(o.date_from, o.date_to) or reported_on
    if on is None:
        raise InputError(
            "an observation needs a date: give it from/to, or the source's date (--reported-on)",
            file=label,
            column=f"observations[{index}].from",
        )
    return on


def _add_observation(
    conn: Connection,
    o: Observation,
    observed_on: str,
    source: str,
    source_type: str | None,
    actor: str,
) -> bool:
    """Record an observation unless the same source already has the same one. The sentence
    is not kept: observations are stored in clear (context, not testimony), and a sentence
    may name a person; the description says what was observed in the model's words."""
    value = "" if o.value is None else f" {o.value:g}{' ' + o.unit if o.unit else ''}"
    description = f"{o.kind.replace('_', ' ')}{value} (accepted from a reviewed text)"
    t, s = observations_table, sources_table
    found = conn.execute(
        select(t.c.id)
        .join(s, s.c.id == t.c.source_id)
        .where(
            s.c.name == source,
            t.c.observed_on == observed_on,
            t.c.kind == o.kind,
            t.c.description == description,
        )
    ).first()
    if found is not None:
        return False
    add_observation(
        conn,
        source=source,
        source_type=source_type,
        observed_on=observed_on,
        kind=o.kind,
        description=description,
        value=o.value,
        unit=o.unit,
        actor=actor,
    )
    return True
