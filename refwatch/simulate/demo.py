"""The demo workspace data: the seed scenario of DOMAIN.md, exactly (SYNTHETIC data).

Why: the demo must show RefWatch producing the documented figures of a 2017 report on
China's crackdown on North Korean escapees, from invented people, through the same
overlapping, noisy case lists real work starts from.  Loaded and linked, the lists
written here hold:

- 92 distinct invented persons since July 2016;
- 51 apprehended 2016-07-01 .. 2017-06-30 (every row's ``apprehended_on`` interval lies
  inside that range);
- 41 whose detention began 2017-07-01 .. 2017-08-31: 40 apprehended then (places
  include Xishuangbanna, Jinghong, Mengla, Mohan and Changbai) and 1 baby born in
  custody then;
- 11 children (flag ``child`` in every row, age < 18), 4 older women in frail health
  (sex F, flags ``older;ill`` in every row, age >= 60), 1 baby (``born_in_detention``);
- 37 forcibly returned (truth ``returned``, ``status_on`` after the apprehension; several
  held at the Tumen border detention center, under any of its names) and 55 still held.

The baby: a detained woman (flag ``pregnant``) gives birth in the Changbai detention
center in August 2017.  The baby's row records the birth as the start of the detention:
``apprehended_on`` is the birth date, ``apprehended_at`` the facility's town, ``held_at``
the facility, ``status`` detained, ``flags`` exactly ``born_in_detention`` (the baby is not
counted among the 11 children).  That is how "detained in July-August" reaches 41.

Noise stays inside the counting buckets, so the figures hold as bounds: every date
interval contains the truth and stays in its person's bucket; every row of a returned
person says ``returned`` with a ``status_on`` interval after the apprehension, or, for a
source that lags, ``detained`` with a ``reported_on`` before the return; at least one row
per returned person reports the return.  The same sex is written in every row; a row
always has a Hangul or a Latin name.  Two different persons are both 김영희 (one early,
one in July-August) and two are both 김영철 (both early; ages 31 and 52, Helong and Harbin):
linkage must keep them apart.  All
other names differ even under a romanisation-insensitive key.  One row names a
deliberately unknown place ("a village near the river").

Network sources write some family names the North Korean way (리 for 이).  Guides
detained in an undetermined number and the context observations are not person rows:
they are the constants ``DEMO_GROUPS`` and ``DEMO_OBSERVATIONS``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Final

from refwatch.simulate.caselist import (
    CaseListWriter,
    TruthWriter,
    join_flags,
    slugify,
    write_readme,
)
from refwatch.simulate.dates import edtf_bounds, noisy_date
from refwatch.simulate.names import dprk_hangul, generate_name, random_variant, romanise
from refwatch.simulate.places import (
    CHINESE_PLACES,
    FACILITIES,
    LOCAL_FACILITY,
    NORTH_HAMGYONG_ORIGINS,
    ORIGIN_WEIGHTS,
    ORIGINS,
    TUMEN_FACILITY,
)

DEMO_AS_OF: Final = date(2017, 9, 10)
"""No demo source reports after this date."""
EARLY: Final = (date(2016, 7, 1), date(2017, 6, 30))
"""Bucket of the 51: apprehended July 2016 - June 2017."""
SURGE: Final = (date(2017, 7, 1), date(2017, 8, 31))
"""Bucket of the 41: detention began July - August 2017."""

FAMILY: Final = "Family contacts (synthetic)"
ACTIVIST: Final = "Activist reports (synthetic)"
NORTH_NET: Final = "Northern rescue network (synthetic)"
SOUTH_NET: Final = "Southern route network (synthetic)"
NGO: Final = "Seoul Documentation Center (synthetic)"

DEMO_SOURCES: Final[tuple[tuple[str, str, str], ...]] = (
    (FAMILY, "family", "FAM"),
    (ACTIVIST, "activist", "ACT"),
    (NORTH_NET, "network", "NRN"),
    (SOUTH_NET, "network", "SRN"),
    (NGO, "ngo_list", "SDC"),
)
"""(name, source_type, record-id prefix) of the demo's case-list sources."""

DEMO_GROUPS: Final[list[dict[str, object]]] = [
    {
        "source": NORTH_NET,
        "source_type": "network",
        "label": "guides-2017-08",
        "flags": ["guide"],
        "size_min": None,
        "size_max": None,
        "reported_on": "2017-08-20",
        "description": "Guides of the network detained with the groups; number undetermined "
                       "(synthetic)",
    },
]
"""Groups of unknown size reported without person rows (the detained guides)."""

DEMO_OBSERVATIONS: Final[list[dict[str, object]]] = [
    {
        "source": NORTH_NET,
        "source_type": "network",
        "observed_on": "2017-06/2017-08",
        "kind": "capacity_change",
        "value": -80.0,
        "unit": "percent",
        "description": "Large rescue network: capacity down about 80% since June 2017 "
                       "(synthetic)",
    },
    {
        "source": SOUTH_NET,
        "source_type": "network",
        "observed_on": "2017-06/2017-08",
        "kind": "capacity_change",
        "value": -20.0,
        "unit": "percent",
        "description": "Smaller rescue network: capacity down about 20% since June 2017 "
                       "(synthetic)",
    },
    {
        "source": ACTIVIST,
        "source_type": "activist",
        "observed_on": "2017-01/2017-08",
        "kind": "tip_off",
        "value": 3.0,
        "unit": "groups",
        "description": "At least three groups stopped on the road after anonymous tip-offs "
                       "since early 2017 (synthetic)",
    },
    {
        "source": ACTIVIST,
        "source_type": "activist",
        "observed_on": "2017-08",
        "kind": "border_security",
        "value": None,
        "unit": None,
        "description": "More guards, fences, CCTV cameras and road checkpoints on the border "
                       "(synthetic)",
    },
]
"""Dated, sourced context figures of the scenario."""

# (bucket, place, size, returned?, roles): roles give special members in order:
# c = child, o = older woman in frail health, m = pregnant woman who gives birth in custody.
_EVENTS: Final[tuple[tuple[str, str, int, bool, str], ...]] = (
    ("early", "Tumen", 3, True, "c"), ("early", "Yanji", 1, True, ""),
    ("early", "Helong", 2, True, ""), ("early", "Longjing", 1, True, ""),
    ("early", "Dandong", 4, True, "c"), ("early", "Shenyang", 2, True, "o"),
    ("early", "Tumen", 1, True, ""), ("early", "Hunchun", 2, True, ""),
    ("early", "Yanji", 3, True, "c"), ("early", "Dandong", 1, True, ""),
    ("early", "Longjing", 2, True, ""), ("early", "Tumen", 2, True, ""),
    ("early", "Baishan", 1, True, ""), ("early", "Shenyang", 2, True, ""),
    ("early", "Yanji", 2, False, ""), ("early", "Tumen", 3, False, "c"),
    ("early", "Helong", 1, False, ""), ("early", "Dandong", 3, False, "o"),
    ("early", "Shenyang", 4, False, "c"), ("early", "Harbin", 1, False, ""),
    ("early", "Longjing", 2, False, ""), ("early", "Hunchun", 1, False, ""),
    ("early", "Qingdao", 2, False, ""), ("early", "Yanji", 1, False, ""),
    ("early", "Changbai", 2, False, ""), ("early", "Tumen", 2, False, ""),
    ("surge", "Tumen", 3, True, "c"), ("surge", "Yanji", 2, True, ""),
    ("surge", "Changbai", 2, True, ""), ("surge", "Hunchun", 1, True, ""),
    ("surge", "Longjing", 2, True, ""),
    ("surge", "Xishuangbanna", 8, False, "cc"), ("surge", "Jinghong", 6, False, "co"),
    ("surge", "Mengla", 4, False, ""), ("surge", "Xishuangbanna", 3, False, "c"),
    ("surge", "Changbai", 4, False, "cm"), ("surge", "Changbai", 1, False, ""),
    ("surge", "Mohan", 2, False, "o"), ("surge", "Baishan", 1, False, ""),
    ("surge", "Yanji", 1, False, ""),
)
_SOUTHERN = frozenset({"Xishuangbanna", "Jinghong", "Mengla", "Mohan", "Kunming"})
_LIAONING = frozenset({"Dandong", "Shenyang", "Qingdao", "Harbin"})
# Persons who share a common name on purpose: (event index, member index, name, sex, age).
_SHARED_NAMES: Final = (
    (1, 0, "김영희", "F", 24), (33, 0, "김영희", "F", 47),
    (2, 0, "김영철", "M", 31), (19, 0, "김영철", "M", 52),
)


@dataclass
class _Person:
    pid: str
    bucket: str
    name: str
    sex: str
    age: int
    origin: str
    apprehended_on: date
    place: str
    facility: str
    group: str
    returned_on: date | None
    flags: tuple[str, ...]
    sources: list[str] = field(default_factory=list)

    @property
    def birth_year(self) -> int:
        return self.apprehended_on.year - self.age


@dataclass(frozen=True)
class DemoFiles:
    """The files ``write_demo`` wrote: import ``case_lists`` only, never ``truth``."""

    case_lists: tuple[Path, ...]
    truth: Path
    readme: Path

    @property
    def files(self) -> tuple[Path, ...]:
        return (*self.case_lists, self.truth, self.readme)


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _event_dates(bucket: str, returned: bool, roles: str, rng: random.Random) -> date:
    if bucket == "early":
        return _day(rng, date(2016, 7, 1), date(2017, 5, 31) if returned else date(2017, 6, 30))
    if returned:
        return _day(rng, date(2017, 7, 1), date(2017, 7, 20))
    if "m" in roles:
        return _day(rng, date(2017, 7, 2), date(2017, 7, 12))
    return _day(rng, SURGE[0], SURGE[1])


def _loose_key(hangul: str) -> str:
    """A crude romanisation-insensitive key, to keep unrelated demo names apart."""
    text = romanise(dprk_hangul(hangul), "mr_plain").lower()
    text = re.sub(r"[^a-z]", "", text)
    for a, b in (("ch", "c"), ("j", "c"), ("g", "k"), ("d", "t"), ("b", "p"), ("l", "r"),
                 ("sh", "s")):
        text = text.replace(a, b)
    return re.sub(r"[aeiouwy]+", "a", text)


def _people(rng: random.Random) -> list[_Person]:
    """The 92 true persons, sorted by the start of their detention."""
    origins = tuple(ORIGIN_WEIGHTS)
    shared = {(e, m): (n, s, a) for e, m, n, s, a in _SHARED_NAMES}
    reserved = {n for _, _, n, _, _ in _SHARED_NAMES}
    keys = {_loose_key(n) for n in reserved}
    persons: list[_Person] = []
    for index, (bucket, place, size, returned, roles) in enumerate(_EVENTS):
        day = _event_dates(bucket, returned, roles, rng)
        returned_on: date | None = None
        if returned:
            if bucket == "early":
                returned_on = min(day + timedelta(days=rng.randint(14, 120)), date(2017, 8, 31))
            else:
                returned_on = _day(rng, max(day + timedelta(days=12), date(2017, 8, 1)),
                                   date(2017, 8, 31))
        if returned and place in _LIAONING:
            facility = "Dandong border detention center"
        elif returned and place not in _SOUTHERN:
            facility = TUMEN_FACILITY
        else:
            facility = LOCAL_FACILITY[place]
        group = f"G-{index + 1:03d}" if size > 1 else ""
        for member in range(size):
            role = roles[member] if member < len(roles) else ""
            flags: tuple[str, ...]
            if role == "c":
                sex, age, flags = rng.choice("FM"), rng.randint(5, 16), ("child",)
            elif role == "o":
                sex, age, flags = "F", rng.randint(61, 72), ("older", "ill")
            elif role == "m":
                sex, age, flags = "F", rng.randint(22, 34), ("pregnant",)
            else:
                sex = "F" if rng.random() < 0.75 else "M"
                age, flags = rng.randint(20, 55), ()
            if (index, member) in shared:
                name, sex, age = shared[(index, member)]
            else:
                while True:
                    name = generate_name(rng, sex)
                    key = _loose_key(name)
                    if name not in reserved and key not in keys:
                        break
                reserved.add(name)
                keys.add(key)
            origin = rng.choices(origins, weights=tuple(ORIGIN_WEIGHTS.values()))[0]
            persons.append(_Person("", bucket, name, sex, age, origin, day, place, facility,
                                   group, returned_on, flags))
    mother = next(p for p in persons if "pregnant" in p.flags)
    birth = _day(rng, date(2017, 8, 1), date(2017, 8, 25))
    baby_sex = rng.choice("FM")
    while True:
        name = generate_name(rng, baby_sex)
        if name not in reserved and _loose_key(name) not in keys:
            break
    persons.append(_Person("", "surge", name, baby_sex, 0, "", birth, "Changbai", mother.facility,
                           "", None, ("born_in_detention",)))
    persons.sort(key=lambda p: p.apprehended_on)
    for i, person in enumerate(persons, start=1):
        person.pid = f"T-{i:06d}"
    return persons


def _assign_sources(persons: list[_Person], rng: random.Random) -> None:
    """Give every person 1-3 distinct sources: networks see whole groups on their route."""
    group_net: dict[str, bool] = {}
    for p in persons:
        if "born_in_detention" in p.flags or "pregnant" in p.flags:
            p.sources = [FAMILY, NGO]
            continue
        net = SOUTH_NET if p.place in _SOUTHERN else NORTH_NET
        key = p.group or p.pid
        if key not in group_net:
            group_net[key] = rng.random() < (0.75 if net == SOUTH_NET else 0.5)
        wanted = rng.choices((1, 2, 3), weights=(0.45, 0.4, 0.15))[0]
        chosen = [net] if group_net[key] else []
        others = [FAMILY, ACTIVIST, NGO]
        weights = [3.0 if p.origin in NORTH_HAMGYONG_ORIGINS else 1.0,
                   2.0 if p.bucket == "surge" else 1.0, 2.5]
        while len(chosen) < wanted:
            pick = rng.choices(others, weights=weights)[0]
            i = others.index(pick)
            others.pop(i)
            weights.pop(i)
            chosen.append(pick)
        p.sources = chosen


def _name_cells(p: _Person, source: str, rng: random.Random) -> tuple[str, str]:
    hangul = p.name
    if source in (NORTH_NET, SOUTH_NET, FAMILY) and rng.random() < 0.3:
        hangul = dprk_hangul(hangul)
    if source == FAMILY:
        latin = random_variant(p.name, rng, {"informal": 0.5, "conventional": 0.5})
        return hangul, latin if rng.random() < 0.5 else ""
    if source in (NORTH_NET, SOUTH_NET):
        latin = random_variant(p.name, rng, {"dprk": 0.6, "mr_plain": 0.4})
        missing = 0.15
    elif source == ACTIVIST:
        latin = random_variant(p.name, rng, {"informal": 0.4, "conventional": 0.4, "rr": 0.2})
        missing = 0.3
    else:
        latin = random_variant(p.name, rng, {"conventional": 0.4, "rr": 0.3, "mr_plain": 0.2,
                                             "mr": 0.1})
        missing = 0.5
    if "born_in_detention" in p.flags:
        missing = 0.0
    return ("" if rng.random() < missing else hangul), latin


def _age_cells(p: _Person, rng: random.Random) -> tuple[str, str]:
    roll = rng.random()
    want_age, want_year = roll < 0.7, 0.5 <= roll < 0.9
    age = ""
    if want_age:
        shown = p.age
        if p.age >= 18 and rng.random() < 0.2:
            shown += rng.choice((-1, 1))
        elif "child" in p.flags and rng.random() < 0.2:
            shown = min(17, max(1, shown + rng.choice((-1, 1))))
        age = str(shown)
    year = ""
    if want_year:
        year = f"{p.birth_year}~" if rng.random() < 0.3 else str(p.birth_year)
    return year, age


_APPREHENSION_FORMS: Final = {"day": 0.5, "month": 0.25, "month_range": 0.15, "day_range": 0.1}
_RETURN_FORMS: Final = {"day": 0.5, "month": 0.3, "day_range": 0.2}


def _row(p: _Person, source: str, reported_on: date, status: str, rng: random.Random,
         labels: dict[tuple[str, str], str], force_held: bool) -> dict[str, str]:
    source_type = next(t for n, t, _ in DEMO_SOURCES if n == source)
    hangul, latin = _name_cells(p, source, rng)
    birth_year, age = _age_cells(p, rng)
    bounds = EARLY if p.bucket == "early" else SURGE
    status_on = ""
    if status == "returned":
        assert p.returned_on is not None
        status_on = noisy_date(p.returned_on, rng, _RETURN_FORMS,
                               bounds=(p.apprehended_on + timedelta(days=1), DEMO_AS_OF))
    group = ""
    if p.group and (source in (NORTH_NET, SOUTH_NET) or rng.random() < 0.3) \
            and source != FAMILY:
        prefix = next(x for n, _, x in DEMO_SOURCES if n == source)
        serial = sum(1 for s, _ in labels if s == source) + 1
        label = f"{prefix}-{p.apprehended_on:%y%m}-{serial:02d}"
        group = labels.setdefault((source, p.group), label)
    held_missing = 0.5 if source == FAMILY else 0.3
    notes = ""
    if "born_in_detention" in p.flags:
        notes = "synthetic: born in custody to a detained woman"
    elif "pregnant" in p.flags:
        notes = "synthetic: pregnant when caught"
    return {
        "source": source,
        "source_type": source_type,
        "reported_on": reported_on.isoformat(),
        "name_hangul": hangul,
        "name_latin": latin,
        "sex": p.sex,
        "birth_year": birth_year,
        "age": age,
        "origin": "" if not p.origin or rng.random() < 0.2 else rng.choice(ORIGINS[p.origin]),
        "apprehended_on": noisy_date(p.apprehended_on, rng, _APPREHENSION_FORMS, bounds=bounds),
        "apprehended_at": rng.choice(CHINESE_PLACES[p.place]),
        "held_at": "" if not force_held and rng.random() < held_missing
        else rng.choice(FACILITIES[p.facility]),
        "status": status,
        "status_on": status_on,
        "group": group,
        "flags": join_flags(p.flags),
        "notes": notes,
    }


def _after(rng: random.Random, start: date, days: int) -> date:
    """A report date 1..days after ``start``, never after DEMO_AS_OF."""
    return min(DEMO_AS_OF, start + timedelta(days=rng.randint(1, days)))


def _rows(persons: list[_Person], rng: random.Random) -> list[tuple[_Person, dict[str, str]]]:
    """All case-list rows (without record ids), each with its true person."""
    labels: dict[tuple[str, str], str] = {}
    out: list[tuple[_Person, dict[str, str]]] = []
    returned = [p for p in persons if p.returned_on is not None]
    repeat_returned = {id(p) for p in rng.sample(returned, 3)}
    repeat_held = {id(p) for p in rng.sample(
        [p for p in persons if p.returned_on is None and len(p.sources) == 1], 2)}
    for p in persons:
        a = p.apprehended_on
        if p.returned_on is None:
            for source in p.sources:
                delay = 200 if source == NGO else 40
                out.append((p, _row(p, source, _after(rng, a, delay), "detained", rng, labels,
                                    False)))
            if id(p) in repeat_held:
                out.append((p, _row(p, p.sources[0], _after(rng, a, 300), "detained", rng,
                                    labels, False)))
            continue
        r = p.returned_on
        reporter = rng.choice(p.sources)
        for source in p.sources:
            if source != reporter and rng.random() < 0.35:
                lagging = min(a + timedelta(days=rng.randint(1, (r - a).days - 1)), r)
                out.append((p, _row(p, source, lagging, "detained", rng, labels, False)))
            else:
                out.append((p, _row(p, source, _after(rng, r, 10 if source == reporter else 60),
                                    "returned", rng, labels, source == reporter)))
        if id(p) in repeat_returned:  # an earlier report of the same person, still detained
            earlier = a + timedelta(days=rng.randint(1, (r - a).days - 1))
            out.append((p, _row(p, reporter, earlier, "detained", rng, labels, False)))
    donors = [row for p, row in out if p.bucket == "early" and len(p.sources) >= 2]
    donors.sort(key=lambda row: row["source"] != ACTIVIST)  # prefer an activist's row
    if donors:
        donors[0]["apprehended_at"] = "a village near the river"
    return out


def _check(persons: list[_Person], rows: list[tuple[_Person, dict[str, str]]]) -> None:
    """Refuse to write a demo that does not hold the scenario (any seed)."""
    problems: list[str] = []

    def need(ok: bool, what: str) -> None:
        if not ok:
            problems.append(what)

    need(len(persons) == 92, "92 persons")
    need(sum(p.bucket == "early" for p in persons) == 51, "51 early")
    need(sum(p.bucket == "surge" for p in persons) == 41, "41 surge")
    need(sum("child" in p.flags and p.age < 18 for p in persons) == 11, "11 children")
    need(sum(p.flags == ("older", "ill") and p.sex == "F" and p.age >= 60 for p in persons)
         == 4, "4 older women")
    need(sum("born_in_detention" in p.flags for p in persons) == 1, "1 baby")
    need(sum(p.returned_on is not None for p in persons) == 37, "37 returned")
    need(all(p.age < 18 for p in persons if "child" in p.flags), "children < 18")
    need(all(18 <= p.age < 60 for p in persons if not p.flags or p.flags == ("pregnant",)),
         "adults 18-59")
    for p in persons:
        need(1 <= len(p.sources) <= 3, f"{p.pid} in 1-3 sources")
        mine = [row for q, row in rows if q is p]
        bounds = EARLY if p.bucket == "early" else SURGE
        for row in mine:
            iv = edtf_bounds(row["apprehended_on"])
            need(iv is not None and bounds[0] <= iv[0] <= p.apprehended_on <= iv[1] <= bounds[1],
                 f"{p.pid} apprehension in bucket")
            need(row["sex"] == p.sex and row["flags"] == join_flags(p.flags), f"{p.pid} sex/flags")
            need(bool(row["name_hangul"] or row["name_latin"]), f"{p.pid} named")
            if row["status"] == "returned":
                iv = edtf_bounds(row["status_on"])
                need(p.returned_on is not None and iv is not None
                     and p.apprehended_on < iv[0] <= p.returned_on <= iv[1],
                     f"{p.pid} return date")
            else:
                need(row["status"] == "detained", f"{p.pid} status")
                need(p.returned_on is None
                     or date.fromisoformat(row["reported_on"]) < p.returned_on,
                     f"{p.pid} lagging report before the return")
        if p.returned_on is not None:
            need(any(row["status"] == "returned" for row in mine), f"{p.pid} return reported")
    if problems:
        raise RuntimeError("demo does not hold the scenario: " + "; ".join(problems[:10]))


def write_demo(out_dir: Path, seed: int = 2017) -> DemoFiles:
    """Write the demo case lists, truth.csv and README.txt to ``out_dir``.

    Case lists: family-contacts-synthetic.csv, activist-reports-synthetic.csv,
    northern-rescue-network-synthetic.csv, southern-route-network-synthetic.csv,
    seoul-documentation-center-synthetic.csv, and news-after-return-synthetic.csv (2018
    reports of what became of three of the returned, from the sources that reported them).
    Deterministic for ``seed``; every seed holds the scenario (checked before writing).
    """
    rng = random.Random(f"refwatch-demo:{seed}")
    persons = _people(rng)
    _assign_sources(persons, rng)
    rows = _rows(persons, rng)
    _check(persons, rows)
    later = _after_return_rows(rows, seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows.sort(key=lambda item: (item[1]["reported_on"], item[0].pid))
    case_lists: list[Path] = []
    truth_path = out_dir / "truth.csv"
    written: dict[str, int] = {}
    with TruthWriter(truth_path) as truth:
        for name, _, prefix in DEMO_SOURCES:
            path = out_dir / f"{slugify(name)}.csv"
            with CaseListWriter(path) as out:
                for p, row in rows:
                    if row["source"] != name:
                        continue
                    record_id = f"{prefix}-{out.rows + 1:04d}"
                    out.write({**row, "record_id": record_id})
                    truth.write(_truth_row(p, name, record_id))
            written[name] = out.rows
            case_lists.append(path)
        # Imported last, so every person id of the 2017 lists stays what it was.
        path = out_dir / "news-after-return-synthetic.csv"
        with CaseListWriter(path) as out:
            for p, row in sorted(later, key=lambda item: item[1]["reported_on"]):
                name = row["source"]
                prefix = next(x for n, _, x in DEMO_SOURCES if n == name)
                written[name] += 1
                record_id = f"{prefix}-{written[name]:04d}"
                out.write({**row, "record_id": record_id})
                truth.write(_truth_row(p, name, record_id))
        case_lists.append(path)
    readme = write_readme(out_dir / "README.txt", _readme_text(seed, case_lists))
    return DemoFiles(case_lists=tuple(case_lists), truth=truth_path, readme=readme)


# What a family later heard of three of the returned: (facility in North Korea, report day).
_AFTER_RETURN: Final[tuple[tuple[str, date], ...]] = (
    ("Jongori kyohwaso", date(2018, 1, 15)),
    ("Onsong bowibu holding centre", date(2018, 1, 22)),
    ("Hyesan labour training camp", date(2018, 2, 5)),
)


def _after_return_rows(
    rows: list[tuple[_Person, dict[str, str]]], seed: int
) -> list[tuple[_Person, dict[str, str]]]:
    """Later news of three returned persons from the source that reported their return:
    held in North Korea (as of December 2017), and one of them disappeared since. Written
    as that source wrote the person before (same names and details), reported in 2018, so
    the scenario's figures as of 30 September 2017 do not move. A separate random stream
    keeps every other row of the demo as it was."""
    rng = random.Random(f"refwatch-demo-after-return:{seed}")
    latest: dict[str, tuple[_Person, dict[str, str]]] = {}
    for p, row in rows:
        if row["status"] == "returned" and (
            p.pid not in latest or row["reported_on"] > latest[p.pid][1]["reported_on"]
        ):
            latest[p.pid] = (p, row)
    chosen = rng.sample([latest[pid] for pid in sorted(latest)], len(_AFTER_RETURN))
    out = []
    note = "synthetic: a relative's news after the return"
    for (p, row), (facility, day) in zip(chosen, _AFTER_RETURN, strict=True):
        out.append((p, {**row, "reported_on": day.isoformat(), "held_at": facility,
                        "status": "held_in_dprk", "status_on": "2017-12", "notes": note}))
    p, row = chosen[0]
    out.append((p, {**row, "reported_on": "2018-09-03", "held_at": "", "status": "disappeared",
                    "status_on": "2018-07", "notes": note}))
    return out


def _truth_row(p: _Person, source: str, record_id: str) -> dict[str, str]:
    return {
        "source": source,
        "record_id": record_id,
        "true_person_id": p.pid,
        "name_hangul": p.name,
        "sex": p.sex,
        "birth_year": str(p.birth_year),
        "origin": p.origin,
        "apprehended_on": p.apprehended_on.isoformat(),
        "apprehended_place": p.place,
        "held_at": p.facility,
        "status": "returned" if p.returned_on else "detained",
        "status_on": p.returned_on.isoformat() if p.returned_on else "",
        "group": p.group,
        "flags": join_flags(p.flags),
    }


def _readme_text(seed: int, case_lists: list[Path]) -> str:
    return (
        f"RefWatch demo data, generated by refwatch.simulate.demo.write_demo with seed {seed}.\n"
        "92 invented persons reported by five invented sources, built so that the documented\n"
        "figures are those of the DOMAIN.md seed scenario: 51 apprehended July 2016 - June 2017;\n"
        "41 detained July - August 2017 (40 apprehended, 1 baby born in custody); 11 children;\n"
        "4 older women in frail health; 37 forcibly returned; 55 still held.\n"
        "The baby's row records the birth in custody as the start of detention\n"
        "(apprehended_on = birth date, flags = born_in_detention).\n"
        "Reports of 2018 tell what became of three of the returned: held in North Korea\n"
        "(a kyohwaso, a bowibu holding centre, a labour training camp), one disappeared since.\n"
        "Guides detained in an undetermined number and the context observations are in\n"
        "refwatch.simulate.demo.DEMO_GROUPS and DEMO_OBSERVATIONS, not in the case lists.\n\n"
        "Case lists: " + ", ".join(p.name for p in case_lists) + "\n"
        "truth.csv is the answer key; never import it as a case list.\n"
    )
