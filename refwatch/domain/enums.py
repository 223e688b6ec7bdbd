"""The closed vocabularies of the evidence model.

Values are the strings that appear in case lists and exports, so a file written by
RefWatch reads back unchanged.
"""

from __future__ import annotations

from enum import StrEnum


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
    """Things that happen to a person; `esf_code` gives the HURIDOCS act code where one exists."""

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
    def esf_code(self) -> str | None:
        return _ESF_CODES.get(self)


# HURIDOCS ESF Micro-thesauri "Types of acts": arrest 030101, detention 030102,
# refoulement 380101; imprisonment after return is a detention act; the others
# (disappearance among them: no act code checked against the thesaurus) have none here.
_ESF_CODES: dict[EventType, str] = {
    EventType.APPREHENSION: "030101",
    EventType.DETENTION: "030102",
    EventType.RETURN: "380101",
    EventType.IMPRISONMENT: "030102",
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
