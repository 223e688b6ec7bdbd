"""Consent: what a person (or, where they cannot be asked, their family) agreed to, and the
one rule that says whether something may be done with their record.

Why one module, in the domain room: the importer (intake), the case files and releases
(publish), the web pages and the CLI all ask the same question, "may this person's record
be used this way?", and must get the same answer. The rule is pure (no I/O), so every room
can import it; the records themselves live in `refwatch.store.consents`.

The scale is ordered: each level allows everything below it.

    no_use < internal < statistics < advocacy < publication

- `no_use`: the record may not be used at all beyond keeping it (names never leave).
- `internal`: used inside the organisation only (linkage, internal lists).
- `statistics`: may be counted in anonymised statistics, including person-level public
  rows that are re-keyed, coarsened and k-anonymous.
- `advocacy`: may be named to bodies that act on individual cases (UN special procedures,
  governments): case files, urgent appeals.
- `publication`: may be named in public.

A consent with nothing recorded is not a refusal but not a permission either: it is
presumed to allow `statistics` (what documentation organisations do with every list
they receive) and never anything with a name (`advocacy`, `publication`).

A documented exception lets one use go beyond the level the person agreed to: the
person is held and cannot be asked, and a relative asks for action. An exception may
allow at most `advocacy`; publication always needs the person's own level.

The effective consent of a person: a consent recorded for the person (by a researcher,
after reading the reports) replaces the consents reports carry; without one, the most
restrictive consent any of the person's current reports states; without any, nothing is
recorded. When record linkage merges persons, the consents recorded for the ids it
retires follow to the person that took their mentions, and the most restrictive holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from refwatch.domain.enums import RankedEnum


class ConsentLevel(RankedEnum):
    """The ordered scale; the value is what case lists, the CLI and forms write."""

    NO_USE = "no_use"
    INTERNAL = "internal"
    STATISTICS = "statistics"
    ADVOCACY = "advocacy"
    PUBLICATION = "publication"


LEVELS: tuple[ConsentLevel, ...] = tuple(ConsentLevel)
PRESUMED = ConsentLevel.STATISTICS
"""What a record with no consent recorded may be used for (see the module doc)."""
EXCEPTION_CEILING = ConsentLevel.ADVOCACY
"""The most a documented exception can allow: never publication."""

# Other spellings a case list or a person may type; the stored value is always canonical.
_ALIASES = {
    "none": ConsentLevel.NO_USE,
    "no use": ConsentLevel.NO_USE,
    "no-use": ConsentLevel.NO_USE,
    "anonymised_statistics": ConsentLevel.STATISTICS,
    "anonymized_statistics": ConsentLevel.STATISTICS,
    "anonymised statistics": ConsentLevel.STATISTICS,
    "stats": ConsentLevel.STATISTICS,
    "named_advocacy": ConsentLevel.ADVOCACY,
    "named advocacy": ConsentLevel.ADVOCACY,
    "publish": ConsentLevel.PUBLICATION,
}


class Use(Enum):
    """Things done with a record that leaves the system, and the level each needs."""

    NAMES_EXPORT = ConsentLevel.INTERNAL
    PERSON_RELEASE = ConsentLevel.STATISTICS
    CASE_FILE = ConsentLevel.ADVOCACY
    PUBLICATION = ConsentLevel.PUBLICATION

    @property
    def needs(self) -> ConsentLevel:
        level = self.value
        assert isinstance(level, ConsentLevel)
        return level


def parse_level(text: str) -> ConsentLevel:
    """A level from what someone typed (case and aliases forgiven); ValueError otherwise."""
    key = text.strip().lower()
    try:
        return ConsentLevel(key.replace(" ", "_").replace("-", "_"))
    except ValueError:
        pass
    if key in _ALIASES:
        return _ALIASES[key]
    raise ValueError(f"must be one of {', '.join(LEVELS)}")


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """One recorded consent (the latest for its person or report). `basis_enc` and
    `exception_enc` stay sealed here: the rule never needs their text."""

    id: str
    subject_kind: str  # "person" or "report"
    subject_id: str
    revision: int
    level: ConsentLevel
    exception_level: ConsentLevel | None
    recorded_by: str
    recorded_at: datetime
    basis_enc: bytes | None
    exception_enc: bytes | None

    @property
    def has_exception(self) -> bool:
        return self.exception_level is not None


@dataclass(frozen=True, slots=True)
class EffectiveConsent:
    """What holds for one person, and which record says so (None: nothing recorded)."""

    person_id: str
    record: ConsentRecord | None
    from_reports: int = 0  # how many report consents were weighed (none if a person record)

    @property
    def level(self) -> ConsentLevel | None:
        return None if self.record is None else self.record.level

    @property
    def recorded(self) -> bool:
        return self.record is not None


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether a use is allowed, and why: `reason` is a code each interface words."""

    allowed: bool
    by_exception: bool
    reason: str  # "consent", "exception", "presumed", "not_recorded", "below"
    level: ConsentLevel | None
    needs: ConsentLevel


def effective(
    person_id: str,
    person_records: Iterable[ConsentRecord],
    report_records: Iterable[ConsentRecord],
) -> EffectiveConsent:
    """The person's effective consent (see the module doc): their own record if any, else
    the most restrictive of their current reports' records (the latest among equals).

    A person may hold several person records when record linkage merged persons that
    each had one (the retired id's record follows its successor): the most restrictive
    of them holds, so a merge never widens what may be done.
    """
    own = list(person_records)
    if own:
        return EffectiveConsent(person_id, _most_restrictive(own))
    stated = list(report_records)
    if not stated:
        return EffectiveConsent(person_id, None)
    return EffectiveConsent(person_id, _most_restrictive(stated), len(stated))


def _most_restrictive(records: list[ConsentRecord]) -> ConsentRecord:
    return min(records, key=lambda r: (r.level.rank, -r.recorded_at.timestamp()))


def decide(consent: EffectiveConsent, use: Use) -> Decision:
    """May `use` be made of the person's record? The one rule every outlet applies."""
    needs = use.needs
    record = consent.record
    if record is None:
        if PRESUMED.rank >= needs.rank:
            return Decision(True, False, "presumed", None, needs)
        return Decision(False, False, "not_recorded", None, needs)
    if record.level.rank >= needs.rank:
        return Decision(True, False, "consent", record.level, needs)
    exception = record.exception_level
    if (
        exception is not None
        and needs.rank <= exception.rank
        and needs.rank <= EXCEPTION_CEILING.rank
    ):
        return Decision(True, True, "exception", record.level, needs)
    return Decision(False, False, "below", record.level, needs)


def check_exception(level: ConsentLevel, exception_level: ConsentLevel | None) -> str | None:
    """Why an exception cannot be recorded as given (None: it can)."""
    if exception_level is None:
        return None
    if exception_level.rank <= level.rank:
        return "an exception must allow more than the consent itself"
    if exception_level.rank > EXCEPTION_CEILING.rank:
        return f"an exception may allow at most {EXCEPTION_CEILING.value}; never publication"
    return None
