"""What a case file says: the facts about each person, each footnoted to its reports.

Why a module of its own: the PDF and the DOCX say the same thing, so the facts are
gathered once, here, into plain data (sections of labelled facts, footnotes naming the
report, its source and the source's reliability), and each renderer only lays them out.
The structure follows what UN special procedures ask for: the Working Group on Arbitrary
Detention's model questionnaire (identity; arrest; detention; why arbitrary; steps
taken), the WGEID's form for an enforced disappearance, and an urgent appeal to the
Special Rapporteurs (risk upon return). Nothing is invented: a fact no report gives is
written "not documented", and what only the submitting organisation can say (remedies
tried, who submits) is left for it to complete.

Names are read here (decrypted with the workspace cipher) because a case file exists to
name the person; they go into the returned object and nowhere else (no log, no cache).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from sqlalchemy import Connection, select

from refwatch.domain.consent import Decision, EffectiveConsent
from refwatch.domain.enums import Status
from refwatch.intake.sources import GRADES
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import Mention, table_of

KINDS = ("wgad", "wgeid", "urgent-appeal")
KIND_TITLES = {
    "wgad": "Individual communication to the Working Group on Arbitrary Detention",
    "wgeid": "Submission of a case to the Working Group on Enforced or Involuntary Disappearances",
    "urgent-appeal": "Request for an urgent appeal to the Special Rapporteurs",
}
FLAG_WORDS = {
    "child": "a child",
    "older": "an older person",
    "pregnant": "pregnant",
    "ill": "ill",
    "born_in_detention": "born in detention",
    "guide": "a guide (member of a rescue network)",
}
LEVEL_WORDS = {
    "no_use": "no use",
    "internal": "internal use only",
    "statistics": "anonymised statistics",
    "advocacy": "named advocacy",
    "publication": "publication",
}
# Statuses that mean the person is, or was, in North Korean hands.
AFTER_RETURN = frozenset({"returned", "held_in_dprk", "disappeared"})
NOT_DOCUMENTED = "not documented in the reports"
TO_COMPLETE = "to be completed by the submitting organisation"
RISK_CONTEXT = (
    "North Koreans forcibly returned from China are, by the consistent account of public "
    "reports, held and interrogated by the Ministry of State Security (bowibu) at holding "
    "centres near the border, and may be sent to police holding centres (jipkyulso), "
    "labour training camps, long-term prisons (kyohwaso) or political prison camps "
    "(kwanliso); torture and ill-treatment during interrogation are widely reported, and "
    "families often learn nothing of their fate. Returning a person to such a risk is "
    "prohibited by the principle of non-refoulement (1951 Refugee Convention, art. 33; "
    "Convention against Torture, art. 3)."
)
mentions_table = table_of(Mention)


# What a case file reads of a person: the shapes of `refwatch.persons.timeline` (the
# person's record and timeline) and `refwatch.persons.listing` (their status by the
# counting rule). The persons room is a sibling of this one, so the caller loads them
# with its functions and hands them in; these protocols say what is used.
class MentionView(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def report_id(self) -> str: ...
    @property
    def record_id(self) -> str | None: ...
    @property
    def reported_on(self) -> str | None: ...
    @property
    def source(self) -> str: ...
    @property
    def source_type(self) -> str | None: ...
    @property
    def reliability(self) -> str | None: ...
    @property
    def sex(self) -> str | None: ...
    @property
    def birth_year(self) -> str | None: ...
    @property
    def age(self) -> str | None: ...
    @property
    def origin(self) -> str | None: ...
    @property
    def status(self) -> str | None: ...
    @property
    def status_on(self) -> str | None: ...
    @property
    def flags(self) -> tuple[str, ...]: ...
    @property
    def group_id(self) -> str | None: ...


class EventView(Protocol):
    @property
    def date_edtf(self) -> str | None: ...
    @property
    def place(self) -> str | None: ...
    @property
    def facility(self) -> str | None: ...
    @property
    def mention(self) -> MentionView: ...


class TimelineEntry(Protocol):
    @property
    def event_type(self) -> str: ...
    @property
    def claims(self) -> Sequence[EventView]: ...
    @property
    def conflict(self) -> bool: ...
    @property
    def places(self) -> list[str]: ...
    @property
    def facilities(self) -> list[str]: ...


class Conflict(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def event_type(self) -> str: ...


class GroupView(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def members(self) -> tuple[str, ...]: ...


class PersonDetail(Protocol):
    @property
    def person_id(self) -> str: ...
    @property
    def mentions(self) -> Sequence[MentionView]: ...
    @property
    def timeline(self) -> Sequence[TimelineEntry]: ...
    @property
    def conflicts(self) -> Sequence[Conflict]: ...
    @property
    def groups(self) -> Sequence[GroupView]: ...


class PersonSummary(Protocol):
    @property
    def status(self) -> Status: ...
    @property
    def status_as_of(self) -> date | None: ...
    @property
    def status_conflict(self) -> bool: ...
    @property
    def last_news(self) -> date | None: ...


class Statuses(Protocol):
    """Each person's status as of the case file's date (`persons.listing.Snapshot`)."""

    def get(self, person_id: str) -> PersonSummary | None: ...


@dataclass(frozen=True, slots=True)
class Footnote:
    """One report a fact rests on: when, from which source, how reliable the source is."""

    report_id: str
    source: str
    source_type: str | None
    reliability: str | None
    reported_on: str | None
    record_id: str | None

    def text(self) -> str:
        kind = f" ({self.source_type.replace('_', ' ')})" if self.source_type else ""
        record = f", its record {self.record_id}" if self.record_id else ""
        grade = (
            f"source reliability {self.reliability} ({GRADES.get(self.reliability, '')})"
            if self.reliability
            else "source reliability not graded"
        )
        return (
            f"Report of {self.reported_on or 'unknown date'} from {self.source}{kind}{record}; "
            f"{grade}."
        )


@dataclass(frozen=True, slots=True)
class Fact:
    label: str
    value: str
    notes: tuple[int, ...] = ()


@dataclass
class Section:
    title: str
    facts: list[Fact] = field(default_factory=list)
    text: str | None = None


@dataclass
class Dossier:
    """One person's part of a case file."""

    person_id: str
    heading: str
    sections: list[Section]


@dataclass
class CaseFile:
    kind: str
    title: str
    as_of: date
    person_ids: list[str]
    dossiers: list[Dossier]
    footnotes: list[Footnote]
    synthetic: bool
    generated: str

    @property
    def subject(self) -> str:
        if len(self.person_ids) == 1:
            return self.person_ids[0]
        return f"{len(self.person_ids)} persons"


class _Notes:
    """Footnotes numbered in order of first use, one per report across the whole file."""

    def __init__(self) -> None:
        self.items: list[Footnote] = []
        self._index: dict[str, int] = {}

    def of_mentions(self, mentions: Iterable[MentionView]) -> tuple[int, ...]:
        numbers = []
        for m in mentions:
            if m.report_id not in self._index:
                self.items.append(
                    Footnote(
                        m.report_id,
                        m.source,
                        m.source_type,
                        m.reliability,
                        m.reported_on,
                        m.record_id,
                    )
                )
                self._index[m.report_id] = len(self.items)
            numbers.append(self._index[m.report_id])
        return tuple(sorted(set(numbers)))

    def of_claims(self, claims: Iterable[EventView]) -> tuple[int, ...]:
        return self.of_mentions(c.mention for c in claims)


def read_names(
    conn: Connection, cipher: FieldCipher, mention_ids: Sequence[str]
) -> dict[str, tuple[str | None, str | None]]:
    """(Hangul, Latin) as each mention wrote the name."""
    rows = conn.execute(
        select(
            mentions_table.c.id, mentions_table.c.name_hangul_enc, mentions_table.c.name_latin_enc
        ).where(mentions_table.c.id.in_(list(mention_ids)))
    )
    return {
        row.id: (
            cipher.open("mentions", "name_hangul", row.id, row.name_hangul_enc),
            cipher.open("mentions", "name_latin", row.id, row.name_latin_enc),
        )
        for row in rows
    }


def _by_value(
    mentions: Sequence[MentionView], value_of: Mapping[str, str | None], notes: _Notes
) -> list[tuple[str, tuple[int, ...]]]:
    """Each distinct value the mentions give, with the reports that give it."""
    groups: dict[str, list[MentionView]] = {}
    for m in mentions:
        value = value_of.get(m.id)
        if value:
            groups.setdefault(value, []).append(m)
    return [(value, notes.of_mentions(ms)) for value, ms in groups.items()]


def _facts(
    label: str, pairs: list[tuple[str, tuple[int, ...]]], empty: str = NOT_DOCUMENTED
) -> list[Fact]:
    if not pairs:
        return [Fact(label, empty)]
    return [Fact(label, value, notes) for value, notes in pairs]


def _entries(detail: PersonDetail, kinds: set[str]) -> list[TimelineEntry]:
    return [e for e in detail.timeline if e.event_type in kinds and e.claims]


def _when(claims: Sequence[EventView]) -> str:
    dates = sorted({c.date_edtf for c in claims if c.date_edtf})
    return " / ".join(dates) if dates else "date not documented"


def _each_value(
    label: str,
    claims: Sequence[EventView],
    attribute: str,
    notes: _Notes,
    *,
    disputed: bool = False,
    missing: str | None = NOT_DOCUMENTED,
) -> list[Fact]:
    """One fact per distinct value the claims give (as written), each with its own
    reports; marked disputed only when the timeline found a conflict (`disputed`): two
    spellings of one place, or a month and a day within it, are not a dispute."""
    by_value: dict[str, list[EventView]] = {}
    for claim in claims:
        value = getattr(claim, attribute, None)
        if value:
            by_value.setdefault(str(value), []).append(claim)
    if not by_value:
        return [] if missing is None else [Fact(label, missing)]
    mark = " (disputed: the reports disagree)" if disputed else ""
    return [
        Fact(label, value + mark, notes.of_claims(group))
        for value, group in sorted(by_value.items())
    ]


def _all_claims(entries: Sequence[TimelineEntry]) -> list[EventView]:
    return [claim for entry in entries for claim in entry.claims]


def _dates(label: str, entries: Sequence[TimelineEntry], notes: _Notes) -> list[Fact]:
    """The dates of one kind of event: the timeline splits irreconcilable dates into
    entries of their own, so several entries of a kind lived once are a dispute."""
    split = len(entries) > 1 and any(e.conflict for e in entries)
    facts: list[Fact] = []
    for entry in entries:
        facts += _each_value(label, entry.claims, "date_edtf", notes, disputed=split)
    return facts


def _identity(
    detail: PersonDetail, names: Mapping[str, tuple[str | None, str | None]], notes: _Notes
) -> Section:
    ms = detail.mentions
    hangul = {m: n[0] for m, n in names.items()}
    latin = {m: n[1] for m, n in names.items()}
    section = Section("Identity of the person concerned")
    section.facts += _facts("Name (Hangul)", _by_value(ms, hangul, notes))
    section.facts += _facts("Name (Latin script, as written)", _by_value(ms, latin, notes))
    section.facts += _facts("Sex", _by_value(ms, {m.id: m.sex for m in ms}, notes))
    section.facts += _facts("Year of birth", _by_value(ms, {m.id: m.birth_year for m in ms}, notes))
    section.facts += _facts("Age at apprehension", _by_value(ms, {m.id: m.age for m in ms}, notes))
    section.facts += _facts("Place of origin", _by_value(ms, {m.id: m.origin for m in ms}, notes))
    flagged: dict[str, list[MentionView]] = {}
    for m in ms:
        for flag in m.flags:
            flagged.setdefault(flag, []).append(m)
    section.facts += _facts(
        "Particular vulnerability",
        [(FLAG_WORDS.get(f, f), notes.of_mentions(v)) for f, v in sorted(flagged.items())],
        "none reported",
    )
    section.facts.append(Fact("Reference", f"RefWatch pseudonymous id {detail.person_id}"))
    return section


def _disputed(detail: PersonDetail) -> set[tuple[str, str]]:
    """(kind of conflict, event type) pairs the timeline found: "place", "facility"."""
    return {(c.kind, c.event_type) for c in detail.conflicts}


def _arrest(detail: PersonDetail, notes: _Notes) -> Section:
    section = Section("Arrest")
    disputed = _disputed(detail)
    for kind, when, where in (
        ("apprehension", "Date of arrest", "Place of arrest"),
        ("birth", "Born in detention on", "Place of birth in detention"),
    ):
        found = _entries(detail, {kind})
        if not found:
            continue
        claims = _all_claims(found)
        section.facts += _dates(when, found, notes)
        section.facts += _each_value(
            where, claims, "place", notes, disputed=("place", kind) in disputed
        )
        if kind == "apprehension":
            section.facts += _each_value(
                "Forces who carried out the arrest", claims, "authority", notes
            )
    if not section.facts:
        section.facts.append(Fact("Date and place of arrest", NOT_DOCUMENTED))
    section.facts.append(Fact("Arrest warrant shown; authority that issued it", NOT_DOCUMENTED))
    section.facts.append(Fact("Reasons given for the arrest; legal basis", NOT_DOCUMENTED))
    return section


def _detention(detail: PersonDetail, notes: _Notes) -> Section:
    section = Section("Detention: place, authority and legal basis")
    labels = {"detention": "Detention", "transfer": "Transfer", "imprisonment": "Imprisonment"}
    # Detention is not lived once: separate entries are separate periods (in China, then
    # after the return), never a dispute; several facilities within one entry are.
    disputed = _disputed(detail)
    for entry in _entries(detail, set(labels)):
        label = labels[entry.event_type]
        claims = entry.claims
        section.facts += _each_value(f"{label}: since", claims, "date_edtf", notes)
        places = _each_value(
            f"{label}: place",
            claims,
            "facility",
            notes,
            disputed=("facility", entry.event_type) in disputed,
            missing=None,
        )
        section.facts += places or _each_value(
            f"{label}: place",
            claims,
            "place",
            notes,
            disputed=("place", entry.event_type) in disputed,
        )
        section.facts += _each_value(
            f"{label}: authority holding the person", claims, "authority", notes
        )
    if not section.facts:
        section.facts.append(Fact("Place of detention", NOT_DOCUMENTED))
    section.facts.append(Fact("Legal basis invoked by the authorities", NOT_DOCUMENTED))
    return section


def _status(
    detail: PersonDetail, summary: PersonSummary | None, as_of: date, notes: _Notes
) -> Section:
    section = Section(f"Status as of {as_of.isoformat()}")
    if summary is not None:
        since = f" (stated for {summary.status_as_of.isoformat()})" if summary.status_as_of else ""
        value = summary.status.value.replace("_", " ") + since
        if summary.status_conflict:
            value += "; the reports contradict each other, the latest credible report is taken"
        latest = [m for m in detail.mentions if m.status == summary.status.value]
        section.facts.append(Fact("Status", value, notes.of_mentions(latest)))
        if summary.last_news is not None:
            section.facts.append(Fact("Latest report", summary.last_news.isoformat()))
    for m in detail.mentions:
        if m.status:
            when = f" ({m.status_on})" if m.status_on else ""
            section.facts.append(
                Fact("Status reported", m.status.replace("_", " ") + when, notes.of_mentions([m]))
            )
    if detail.conflicts:
        kinds = sorted({f"{c.kind} of {c.event_type}" for c in detail.conflicts})
        section.facts.append(Fact("Reports disagree on", "; ".join(kinds)))
    return section


def _timeline(detail: PersonDetail, notes: _Notes) -> Section:
    section = Section("Timeline of events (each with the reports that support it)")
    for entry in detail.timeline:
        where = " · ".join(x for x in (", ".join(entry.places), ", ".join(entry.facilities)) if x)
        value = _when(entry.claims) + (f" — {where}" if where else "")
        if entry.conflict:
            value += " (disputed)"
        section.facts.append(
            Fact(entry.event_type.replace("_", " "), value, notes.of_claims(entry.claims))
        )
    if not section.facts:
        section.facts.append(Fact("Events", "no dated events are reported"))
    return section


def _risk(
    detail: PersonDetail,
    summary: PersonSummary | None,
    statuses: Mapping[str, str],
    notes: _Notes,
) -> Section:
    section = Section("Risk upon return", text="General context: " + RISK_CONTEXT)
    status = summary.status.value if summary is not None else None
    if status == "detained":
        section.facts.append(
            Fact(
                "Present risk",
                "held in China as far as the records show: at risk of forced return to the DPRK",
            )
        )
    elif status in AFTER_RETURN:
        section.facts.append(
            Fact("Present risk", "in North Korean hands or returned: see the status above")
        )
    flags = [m for m in detail.mentions if m.flags]
    if flags:
        words = sorted({FLAG_WORDS.get(f, f) for m in flags for f in m.flags})
        section.facts.append(
            Fact("Aggravating circumstances", "; ".join(words), notes.of_mentions(flags))
        )
    for group in detail.groups:
        others = [p for p in group.members if p != detail.person_id]
        returned = [p for p in others if statuses.get(p) in AFTER_RETURN]
        if not others:
            value = "apprehended with a group; no other member of it is recorded"
        else:
            value = f"apprehended with a group of {len(others)} other recorded person(s)"
        if returned:
            value += f", {len(returned)} of whom are recorded as forcibly returned"
        members = [m for m in detail.mentions if m.group_id == group.id]
        section.facts.append(Fact("Group", value, notes.of_mentions(members)))
    return section


def _consent_section(consent: EffectiveConsent, decision: Decision) -> Section:
    record = consent.record
    section = Section("Consent")
    if record is None:
        section.facts.append(Fact("Consent", "not recorded"))
        return section
    where = "recorded for the person" if record.subject_kind == "person" else "stated in a report"
    section.facts.append(
        Fact(
            "Consent",
            f"{LEVEL_WORDS.get(record.level.value, record.level.value)} ({where}; recorded "
            f"{record.recorded_at.date().isoformat()})",
        )
    )
    if decision.by_exception:
        section.facts.append(
            Fact(
                "Basis for this submission",
                "a documented exception (e.g. the person is held and cannot be asked, and a "
                "relative asks for action); the record is kept by the submitting organisation",
            )
        )
    return section


def _standing(kind: str) -> list[Section]:
    sections = []
    if kind == "wgad":
        sections.append(
            Section(
                "Why the deprivation of liberty is arbitrary",
                text=(
                    "Categories for the submitting organisation to assess: Category IV "
                    "(prolonged administrative custody of asylum seekers, migrants or refugees "
                    "without administrative or judicial review) for detention pending forced "
                    "return; Category II (exercise of the right to leave any country, "
                    "Universal Declaration of Human Rights, art. 13) for detention after return. "
                    + TO_COMPLETE.capitalize()
                    + "."
                ),
            )
        )
    if kind == "wgeid":
        sections.append(
            Section(
                "Enforced disappearance",
                text=(
                    "State believed responsible, the forces believed to hold the person, and "
                    "the steps the family took to learn their fate and whereabouts: "
                    + TO_COMPLETE
                    + ". The WGEID requires that the family consents to the submission."
                ),
            )
        )
    if kind == "urgent-appeal":
        sections.append(
            Section(
                "Action requested",
                text=(
                    "That the Special Rapporteurs ask the authorities to halt the forced "
                    "return of the person concerned, to give access to UNHCR and to disclose "
                    "their whereabouts and condition."
                ),
            )
        )
    sections.append(
        Section(
            "Steps taken; submitting organisation",
            text=f"Domestic remedies tried, and who submits this case: {TO_COMPLETE}.",
        )
    )
    return sections


def dossier(
    kind: str,
    detail: PersonDetail,
    names: Mapping[str, tuple[str | None, str | None]],
    summary: PersonSummary | None,
    statuses: Mapping[str, str],
    consent: EffectiveConsent,
    decision: Decision,
    as_of: date,
    notes: _Notes,
) -> Dossier:
    """One person's sections, in the order the form of `kind` asks for them."""
    identity = _identity(detail, names, notes)
    arrest = _arrest(detail, notes)
    detention = _detention(detail, notes)
    status = _status(detail, summary, as_of, notes)
    timeline = _timeline(detail, notes)
    risk = _risk(detail, summary, statuses, notes)
    if kind == "urgent-appeal":
        ordered = [identity, status, risk, arrest, detention, timeline]
    elif kind == "wgeid":
        ordered = [identity, arrest, status, detention, timeline, risk]
    else:
        ordered = [identity, arrest, detention, status, timeline, risk]
    latin = next((n[1] for n in names.values() if n[1]), None)
    hangul = next((n[0] for n in names.values() if n[0]), None)
    shown = " / ".join(x for x in (latin, hangul) if x) or "name not documented"
    return Dossier(
        detail.person_id,
        f"{shown} ({detail.person_id})",
        [*ordered, *_standing(kind), _consent_section(consent, decision)],
    )


def new_notes() -> _Notes:
    return _Notes()
