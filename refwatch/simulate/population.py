"""The true, invented population of the synthetic world (who was caught, where, what next).

Why: lists can only be judged against a known truth.  This module draws the people
(SYNTHETIC: invented names, invented lives) and the facts every source will later report
imperfectly: apprehension date and place, group, facility, outcome and flags.

Model, kept simple on purpose:

- Apprehensions happen 2016-01-01 .. 2018-12-31, each day equally likely except a
  crackdown surge (five times the rate) in July-August 2017.
- An apprehension event catches one person (45%) or a group of 2-12 who share date,
  place and facility.  About 30% of events are on the Yunnan / Laos route (45% during
  the surge), the rest along the northern border.
- Outcome of a detention, as of ``AS_OF``: returned (about 62%, 10 days to a year after
  apprehension), released, reached safety, died, or still detained.  Group members
  share their group's outcome 85% of the time.
- Age at apprehension is ``year(apprehended_on) - birth_year``.  Flags: ``child`` if age
  < 18, ``older`` if age >= 60, ``pregnant``, ``ill``, ``guide`` (at most one per group of
  3+).  A few babies are born in custody: their "apprehension" is their birth in the
  mother's facility, they share the mother's outcome and carry only
  ``born_in_detention`` (not ``child``), as in the demo.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from typing import Final

from refwatch.simulate.names import generate_name
from refwatch.simulate.places import (
    FACILITY_TOWN,
    LOCAL_FACILITY,
    NORTHERN_PLACES,
    ORIGIN_WEIGHTS,
    SOUTHERN_PLACES,
    TRANSFER_FACILITY,
    TUMEN_FACILITY,
)

WORLD_START: Final = date(2016, 1, 1)
WORLD_END: Final = date(2018, 12, 31)
AS_OF: Final = date(2019, 6, 30)
"""The date the world's truth (final statuses) and every report refer to at the latest."""
SURGE: Final = (date(2017, 7, 1), date(2017, 8, 31))
SURGE_FACTOR: Final = 5.0

_DAYS = tuple(WORLD_START + timedelta(days=i) for i in range((WORLD_END - WORLD_START).days + 1))
_DAY_CUM = tuple(accumulate(SURGE_FACTOR if SURGE[0] <= d <= SURGE[1] else 1.0 for d in _DAYS))
_NORTH = tuple(NORTHERN_PLACES)
_NORTH_CUM = tuple(accumulate(NORTHERN_PLACES.values()))
_SOUTH = tuple(SOUTHERN_PLACES)
_SOUTH_CUM = tuple(accumulate(SOUTHERN_PLACES.values()))
_ORIGINS = tuple(ORIGIN_WEIGHTS)
_ORIGIN_CUM = tuple(accumulate(ORIGIN_WEIGHTS.values()))
_GROUP_SIZES = tuple(range(2, 13))
_GROUP_CUM = tuple(accumulate(1.0 / (s - 1) for s in _GROUP_SIZES))


@dataclass(slots=True)
class Person:
    """One invented person and the true facts about their detention."""

    pid: str
    name: str
    sex: str
    birth_year: int
    origin: str
    apprehended_on: date
    place: str
    facility: str
    route: str
    group: str
    group_size: int
    status: str
    status_on: date | None
    flags: tuple[str, ...]

    @property
    def age(self) -> int:
        """Age at apprehension, by the year-difference convention of this module."""
        return self.apprehended_on.year - self.birth_year


def _outcome(apprehended: date, rng: random.Random) -> tuple[str, date | None]:
    roll = rng.random()
    if roll < 0.62:
        status, delay = "returned", 10 + min(int(rng.expovariate(1 / 60)), 355)
    elif roll < 0.67:
        status, delay = "released", rng.randint(20, 300)
    elif roll < 0.73:
        status, delay = "safe", rng.randint(60, 500)
    elif roll < 0.74:
        status, delay = "died", rng.randint(5, 400)
    else:
        return "detained", None
    when = apprehended + timedelta(days=delay)
    if when > AS_OF:
        return "detained", None
    return status, when


def _age(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.07:
        return rng.randint(3, 17)
    if roll < 0.11:
        return rng.randint(60, 78)
    return int(rng.triangular(18, 59.99, 28))


def _member(rng: random.Random, day: date, place: str, route: str, facility: str,
            group: str, size: int, outcome: tuple[str, date | None],
            origin: str) -> Person:
    sex = "F" if rng.random() < 0.7 else "M"
    age = _age(rng)
    flags: list[str] = []
    if age < 18:
        flags.append("child")
    elif age >= 60:
        flags.append("older")
    if sex == "F" and 18 <= age <= 40 and rng.random() < 0.03:
        flags.append("pregnant")
    if rng.random() < (0.35 if age >= 60 else 0.04):
        flags.append("ill")
    if rng.random() >= 0.85:
        outcome = _outcome(day, rng)
    if rng.random() >= 0.5 or not origin:
        origin = rng.choices(_ORIGINS, cum_weights=_ORIGIN_CUM)[0]
    return Person("", generate_name(rng, sex), sex, day.year - age, origin, day, place,
                  facility, route, group, size, outcome[0], outcome[1], tuple(flags))


def _events(regular: int, rng: random.Random) -> list[tuple[date, int]]:
    events: list[tuple[date, int]] = []
    remaining = regular
    while remaining > 0:
        size = 1 if rng.random() < 0.45 else rng.choices(_GROUP_SIZES, cum_weights=_GROUP_CUM)[0]
        size = min(size, remaining)
        events.append((rng.choices(_DAYS, cum_weights=_DAY_CUM)[0], size))
        remaining -= size
    events.sort(key=lambda e: e[0])
    return events


def _baby(mother: Person, rng: random.Random) -> Person | None:
    """A baby born to ``mother`` in custody, or None if her detention is too short."""
    end = mother.status_on or AS_OF
    gap = (end - mother.apprehended_on).days
    if mother.status in ("died",) or gap < 40:
        return None
    birth = mother.apprehended_on + timedelta(days=rng.randint(20, gap - 1))
    sex = rng.choice(("F", "M"))
    return Person("", generate_name(rng, sex), sex, birth.year, "", birth,
                  FACILITY_TOWN[mother.facility], mother.facility, mother.route, "", 1,
                  mother.status, mother.status_on, ("born_in_detention",))


def make_population(people: int, rng: random.Random) -> list[Person]:
    """Draw ``people`` persons, sorted by apprehension date, with ids T-000001 ...."""
    if people < 0:
        raise ValueError("people must be >= 0")
    babies_wanted = people // 1000 if people >= 1000 else (1 if people >= 200 else 0)
    persons: list[Person] = []
    group_no = 0
    for day, size in _events(people - babies_wanted, rng):
        surge = SURGE[0] <= day <= SURGE[1]
        south = rng.random() < (0.45 if surge else 0.3)
        if south:
            place = rng.choices(_SOUTH, cum_weights=_SOUTH_CUM)[0]
        else:
            place = rng.choices(_NORTH, cum_weights=_NORTH_CUM)[0]
        outcome = _outcome(day, rng)
        facility = LOCAL_FACILITY[place]
        if outcome[0] == "returned" and rng.random() < 0.4:
            facility = TRANSFER_FACILITY.get(place, TUMEN_FACILITY)
        group = ""
        if size > 1:
            group_no += 1
            group = f"G-{group_no:06d}"
        origin = rng.choices(_ORIGINS, cum_weights=_ORIGIN_CUM)[0]
        members = [
            _member(rng, day, place, "south" if south else "north", facility, group, size,
                    outcome, origin)
            for _ in range(size)
        ]
        if size >= 3 and rng.random() < 0.3:
            adults = [m for m in members if not {"child", "older"} & set(m.flags)]
            if adults:
                guide = rng.choice(adults)
                guide.flags = (*guide.flags, "guide")
        persons.extend(members)
    babies: list[Person] = []
    tries = 0
    while len(babies) < babies_wanted and tries < 50 * (babies_wanted + 1) and persons:
        tries += 1
        mother = persons[rng.randrange(len(persons))]
        if mother.sex != "F" or not 18 <= mother.age <= 40 or "pregnant" in mother.flags:
            continue
        baby = _baby(mother, rng)
        if baby is not None:
            mother.flags = (*mother.flags, "pregnant")
            babies.append(baby)
    while len(persons) + len(babies) < people:  # not enough mothers: fill with singles
        day = rng.choices(_DAYS, cum_weights=_DAY_CUM)[0]
        place = rng.choices(_NORTH, cum_weights=_NORTH_CUM)[0]
        persons.append(_member(rng, day, place, "north", LOCAL_FACILITY[place], "", 1,
                               _outcome(day, rng), ""))
    persons.extend(babies)
    persons.sort(key=lambda p: p.apprehended_on)
    for i, person in enumerate(persons, start=1):
        person.pid = f"T-{i:06d}"
    return persons
