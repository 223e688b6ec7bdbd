"""The closed vocabularies of the evidence model.

Values are the strings that appear in case lists and exports, so a file written by
RefWatch reads back unchanged.
"""

from __future__ import annotations

import functools
from enum import StrEnum


class RankedEnum(StrEnum):
    """A StrEnum whose members are ordered as they are declared: `rank` is 0 for the
    first (roles from viewer to admin, consent levels from no use to publication)."""

    @property
    def rank(self) -> int:
        return _ranks(type(self))[self]


@functools.cache
def _ranks(kind: type[RankedEnum]) -> dict[RankedEnum, int]:
    return {member: index for index, member in enumerate(kind)}


class SourceType(StrEnum):
    FAMILY = "family"
    ACTIVIST = "activist"
    NETWORK = "network"
    NGO_LIST = "ngo_list"
    MEDIA = "media"
    OFFICIAL = "official"
    SELF = "self"


class Sex(StrEnum):
    FEMALE = "F"
    MALE = "M"


class Status(StrEnum):
    """What a source says became of a person, as of the status date.

    `held_in_dprk` and `disappeared` are fates after a forced return (held by the State
    Security Agency, in a labour camp, kyohwaso or kwanliso; no trace since the return):
    each implies the return. New members go last: their position is their stored code.
    """

    DETAINED = "detained"
    RETURNED = "returned"
    RELEASED = "released"
    SAFE = "safe"
    DIED = "died"
    UNKNOWN = "unknown"
    HELD_IN_DPRK = "held_in_dprk"
    DISAPPEARED = "disappeared"


class Flag(StrEnum):
    CHILD = "child"
    OLDER = "older"
    PREGNANT = "pregnant"
    ILL = "ill"
    BORN_IN_DETENTION = "born_in_detention"
    GUIDE = "guide"


class EventType(StrEnum):
    """Things that happen to a person; `esf_code` and `esf_act` give the HURIDOCS act code
    (and its label) where one exists: the one place these codes are kept."""

    DEPARTURE = "departure"
    APPREHENSION = "apprehension"
    DETENTION = "detention"
    TRANSFER = "transfer"
    RETURN = "return"
    RELEASE = "release"
    SAFETY = "safety"
    IMPRISONMENT = "imprisonment"
    DEATH = "death"
    BIRTH = "birth"
    DISAPPEARANCE = "disappearance"

    @property
    def esf_act(self) -> tuple[str, str] | None:
        """The ESF type of act, as (code, label), or None when this is no act."""
        return _ESF_ACTS.get(self)

    @property
    def esf_code(self) -> str | None:
        act = _ESF_ACTS.get(self)
        return act[0] if act else None


# HURIDOCS Micro-thesauri (2001), list 4 "Types of acts", as huridocs/OpenEvSys ships it
# (schema/mysql-dbpopulate-mt.sql; twelve-digit codes without their trailing zeros):
# docs/interop.md keeps the same table (a test holds them equal). Imprisonment after a
# return is a detention act; departure, transfer, release, safety and birth are no acts.
_ESF_ACTS: dict[EventType, tuple[str, str]] = {
    EventType.APPREHENSION: ("030101", "Arrest"),
    EventType.DETENTION: ("030102", "Detention, imprisonment"),
    EventType.IMPRISONMENT: ("030102", "Detention, imprisonment"),
    EventType.RETURN: ("380101", "Refoulement"),
    EventType.DISAPPEARANCE: ("030103", "Disappearance"),
    EventType.DEATH: ("010107", "Death due to unknown causes"),
}

# The event a reported status implies, so a status column becomes a claimed event.
STATUS_EVENT: dict[Status, EventType] = {
    Status.RETURNED: EventType.RETURN,
    Status.RELEASED: EventType.RELEASE,
    Status.SAFE: EventType.SAFETY,
    Status.DIED: EventType.DEATH,
    Status.DETAINED: EventType.DETENTION,
    Status.HELD_IN_DPRK: EventType.IMPRISONMENT,
    Status.DISAPPEARED: EventType.DISAPPEARANCE,
}

# Statuses that say a person was returned, then what became of them in North Korea.
AFTER_RETURN: frozenset[Status] = frozenset({Status.HELD_IN_DPRK, Status.DISAPPEARED})


class ObservationKind(StrEnum):
    CAPACITY_CHANGE = "capacity_change"
    TIP_OFF = "tip_off"
    BORDER_SECURITY = "border_security"
    OTHER = "other"


class ReliabilityGrade(StrEnum):
    """Admiralty scale for a source: A completely reliable … E unreliable, F cannot be judged."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"
