"""Response models of the evidence API (`/api/v1/...`), so the OpenAPI schema is exact.

Protected values are optional fields that stay null unless the caller's role may see
them: `names` (names.view), `text` (reports.text), `contact` (sources.contacts).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, Field

Out = TypeVar("Out", bound=BaseModel)


def copied(model: type[Out], view: Any, **computed: Any) -> Out:
    """The model of an API answer filled from a view's attributes of the same names (a
    tuple becomes a list), with the fields `computed` here added or replaced."""
    same = {name: getattr(view, name) for name in model.model_fields if name not in computed}
    return model.model_validate({**same, **computed})


class NameOut(BaseModel):
    hangul: str | None = Field(description="The name in Hangul, as the report wrote it")
    latin: str | None = Field(description="The name in Latin letters (or Hanzi), as written")


class PersonOut(BaseModel):
    id: str = Field(description="Pseudonymous person id, e.g. P-000123")
    status: str = Field(
        description="Status now: detained, returned, released, safe, died, unknown, "
        "held_in_dprk, disappeared"
    )
    status_conflict: bool = Field(description="True when the person's reports contradict")
    status_as_of: date | None = Field(description="Last day the winning report says it was true")
    custody_began_earliest: date | None
    custody_began_latest: date | None
    held_by: date | None = Field(description="Custody had certainly begun by this day")
    last_news: date | None = Field(description="Date of the latest report on the person")
    sex: str | None
    flags: list[str]
    apprehension_places: list[str] = Field(description="Gazetteer ids of apprehension places")
    facilities: list[str] = Field(description="Gazetteer ids of detention facilities")
    sources: list[str] = Field(description="Ids of the sources that reported the person")
    mentions: int = Field(description="Number of current reports linked to the person")
    names: list[NameOut] | None = Field(
        default=None, description="Names as reported; only for roles with names.view"
    )


class PersonPage(BaseModel):
    total: int
    offset: int
    limit: int
    persons: list[PersonOut]


class PersonSearch(BaseModel):
    """A name search (any script) within optional filters; needs names.view. A POST, so
    the name is not written into URLs and access logs."""

    q: str = Field(min_length=1, max_length=100, description="A name in any script")
    status: str | None = None
    period_from: str | None = Field(default=None, description="EDTF, custody began from")
    period_to: str | None = Field(default=None, description="EDTF, custody began until")
    place: str | None = None
    facility: str | None = None
    source: str | None = None
    flags: list[str] = Field(default_factory=list)
    limit: int = Field(default=100, ge=1, le=200)


class EventOut(BaseModel):
    id: str
    person_id: str
    mention_id: str
    report_id: str
    event_type: str
    esf_code: str | None = Field(description="HURIDOCS ESF act code, where one exists")
    date_edtf: str | None = Field(description="The date as the report wrote it (EDTF)")
    earliest: date | None
    latest: date | None
    place: str | None
    place_id: str | None
    facility: str | None
    facility_id: str | None


class EventPage(BaseModel):
    total: int
    offset: int
    limit: int
    events: list[EventOut]


class MentionOut(BaseModel):
    id: str
    report_id: str
    source_id: str
    source: str
    reliability: str | None
    reported_on: str | None
    record_id: str | None
    match_probability: float | None
    sex: str | None
    birth_year: str | None
    age: str | None
    origin: str | None
    status: str | None
    status_on: str | None
    flags: list[str]
    group_label: str | None
    names: NameOut | None = None


class ClaimOut(BaseModel):
    event_id: str
    report_id: str
    source: str
    date_edtf: str | None
    place: str | None
    facility: str | None


class TimelineEntryOut(BaseModel):
    event_type: str
    earliest: date | None
    latest: date | None
    conflict: bool
    claims: list[ClaimOut]


class ConflictOut(BaseModel):
    kind: str = Field(description="What the reports disagree on: date, place or facility")
    event_type: str
    sides: list[list[ClaimOut]]


class GroupOut(BaseModel):
    id: str
    label: str
    source: str
    size_min: int | None
    size_max: int | None
    members: list[str]


class PersonDetailOut(BaseModel):
    person: PersonOut
    mentions: list[MentionOut]
    timeline: list[TimelineEntryOut]
    conflicts: list[ConflictOut]
    groups: list[GroupOut]


class ReportOut(BaseModel):
    id: str
    source_id: str
    source: str
    reliability: str | None
    record_id: str | None
    reported_on: str | None
    reported_earliest: date | None
    reported_latest: date | None
    received_at: datetime
    supersedes_id: str | None
    language: str | None
    has_text: bool
    mention_id: str | None
    person_id: str | None


class ReportPage(BaseModel):
    total: int
    offset: int
    limit: int
    reports: list[ReportOut]


class ReportDetailOut(ReportOut):
    superseded_by: str | None
    events: list[EventOut]
    names: NameOut | None = Field(default=None, description="Only for roles with names.view")
    text: str | None = Field(default=None, description="Only for roles with reports.text")


class SourceOut(BaseModel):
    id: str
    name: str
    source_type: str | None
    reliability: str | None = Field(description="Admiralty grade A–F, or null if not graded")
    reports: int
    persons: int
    latest_report: date | None
    contact: str | None = Field(default=None, description="Only for roles with sources.contacts")
