"""A synthetic world: one invented population seen by several imperfect, overlapping sources.

Why: linkage, counting and multiple systems estimation need lists whose overlap,
noise and true answer are known.  ``simulate_world`` draws a population
(:mod:`refwatch.simulate.population`) and lets each source see part of it, writing one
case list per source (``<source-slug>.csv``, the DOMAIN.md format), ``truth.csv`` (one
row per case-list row: which true person it describes and that person's true values)
and ``README.txt``.  ALL DATA IS SYNTHETIC.  Deterministic for a seed; rows are streamed.

How a source sees the world: each has a capture probability shaped by its reach (a
family-contact source mostly knows people from North Hamgyong; a rescue network sees
the groups it moved on its route, nearly whole; an activist source reports more during
the 2017 surge; media pick up large groups; the person's own account exists only after
release or safety), so lists overlap in a correlated way, as real ones do.

Noise, and what it never does:

- Names: Latin name in a random romanisation variant (:func:`names.random_variant`);
  Hangul missing in some rows (most for media and NGO lists); network and family
  sources sometimes write a family name the North Korean way (리 for 이, 림 for 임,
  류 for 유, 량 for 양, 로 for 노, 라 for 나).  A row always has Hangul or Latin.
- Dates: ``apprehended_on`` and ``status_on`` are EDTF strings that always CONTAIN the
  true date.  Forms emitted, and only these: ``YYYY-MM-DD``; ``YYYY-MM-DD~`` (true date
  within 3 days); ``YYYY-MM``; ``YYYY-MM/YYYY-MM`` (two adjacent months); ``YYYY-MM-DD/
  YYYY-MM-DD`` (at most 21 days); ``YYYY``; empty (unknown).  ``reported_on`` is always
  an exact ``YYYY-MM-DD``, on or after the apprehension, at most ``AS_OF``.
- ``birth_year``: ``YYYY`` exact or ``YYYY~`` with the truth within one year.  ``age``:
  a plain integer within one year of the true age (never across the 18 / 60 lines of the
  child / older flags), or ``NN~`` within two years; often one of the two is missing.
- Sex: right or empty, never wrong.  Flags: a true flag may be left out (recall 90%),
  a false one is never added.
- Places in several scripts; 1% of rows name a deliberately unknown place ("a village
  near the river"); a few rows on the southern route name the prefecture Xishuangbanna
  for a place inside it (Jinghong, Mengla, Mohan).  Facilities under any of their names.
- Status lags: a source reports the status as of its ``reported_on`` minus a lag, so it
  may say ``detained`` for someone already returned; media sometimes say ``unknown``.
  ``status_on`` is filled only for returned / released / safe / died rows.
- Repeated rows in one source: some people are reported twice by the same source under
  two record ids, the second later and possibly with an updated status.
- ``group`` holds the source's own label for a true group (networks label almost
  always), never the true group id; a repeated row carries the same label.

Extra noise, each kind at a rate a ``NoiseRates`` setting controls (``NoiseRates()``, the
default, adds none and gives byte-identical worlds to earlier releases; ``REALISTIC`` and
``HARD`` are presets, ``NOISE_PRESETS`` names them).  The extra noise is drawn from a
random stream of its own, so a world with more noise is the same world (same people,
same rows) written worse:

- ``typo``: a Latin name with a typing error (:func:`names.typo`: letters transposed,
  doubled or dropped, a stray capital as in "Kim Ae-rAn", a wrong first letter in lower
  case as in "Kumyon nhoi"), sometimes two;
- ``glued``: family name glued to the given name ("Song-kukKim", "KimSongkuk");
- ``given_first``: given name first with nothing to tell which word is the family name;
- ``resplit``: syllables joined or split at the wrong place ("Kimyoung Chul",
  "Youn-gchul");
- ``no_hangul`` / ``no_hangul_sources``: the sources whose record-id prefix is listed
  write Hangul in at most ``1 - no_hangul`` of their rows (a press monitor or a
  southern network rarely has it);
- ``repeats``: every source reports this share of its people twice (instead of its own
  rate);
- ``no_dates``: a row with no apprehension and no status date (empty cells: unknown,
  so dates still contain the truth); ``no_place``: a row with no apprehension place and
  no facility;
- ``age_off``: the age is a plain integer off by one or two years (still on the right
  side of the 18 / 60 lines), so it may not contain the truth, as in real lists.

None of them makes a date exclude the truth, a sex wrong or a flag false.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
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
from refwatch.simulate.dates import noisy_birth_year, noisy_date
from refwatch.simulate.names import dprk_hangul, noisy_latin, variant_parts
from refwatch.simulate.places import (
    CHINESE_PLACES,
    CONTAINED_IN,
    FACILITIES,
    NORTH_HAMGYONG_ORIGINS,
    ORIGINS,
    UNKNOWN_PLACES,
)
from refwatch.simulate.population import AS_OF, SURGE, Person, make_population

__all__ = [
    "AS_OF", "HARD", "NOISE_PRESETS", "REALISTIC", "SOURCE_TEMPLATES", "NoiseRates",
    "SourceProfile", "WorldSummary", "simulate_world",
]


@dataclass(frozen=True)
class SourceProfile:
    """How one source sees the world and how carefully it writes it down."""

    name: str
    source_type: str
    prefix: str
    rate: float
    north: float = 1.0
    south: float = 1.0
    favoured_origins: tuple[str, ...] = ()
    favoured: float = 1.0
    others: float = 1.0
    surge: float = 1.0
    big_groups: float = 1.0
    groups_whole: bool = False
    only_statuses: tuple[str, ...] = ()
    delay: tuple[int, int] = (5, 120)
    lag: int = 30
    hangul_missing: float = 0.2
    latin_missing: float = 0.0
    north_hangul: float = 0.0
    name_weights: dict[str, float] = field(default_factory=lambda: {
        "rr": 0.3, "conventional": 0.3, "mr_plain": 0.15, "mr": 0.05, "informal": 0.2})
    date_weights: dict[str, float] = field(default_factory=lambda: {
        "day": 0.5, "day_approx": 0.1, "month": 0.2, "month_range": 0.1, "day_range": 0.07,
        "unknown": 0.03})
    labels_groups: float = 0.0
    duplicates: float = 0.03
    unknown_status: float = 0.0
    held_at_missing: float = 0.3
    origin_missing: float = 0.25
    sex_missing: float = 0.05


_NET_NAMES: Final = {"dprk": 0.4, "mr_plain": 0.3, "informal": 0.2, "rr": 0.1}

SOURCE_TEMPLATES: Final[tuple[SourceProfile, ...]] = (
    SourceProfile("Seoul Documentation Center (synthetic)", "ngo_list", "SDC", 0.35,
                  delay=(20, 400), lag=60, hangul_missing=0.35, labels_groups=0.2,
                  duplicates=0.05),
    SourceProfile("Northern rescue network (synthetic)", "network", "NRN", 0.55, south=0.05,
                  groups_whole=True, delay=(1, 30), lag=10, hangul_missing=0.1,
                  north_hangul=0.3, name_weights=_NET_NAMES, labels_groups=0.95,
                  date_weights={"day": 0.8, "day_approx": 0.1, "month": 0.1},
                  held_at_missing=0.5, duplicates=0.04),
    SourceProfile("Family contacts (synthetic)", "family", "FAM", 0.04,
                  favoured_origins=NORTH_HAMGYONG_ORIGINS, favoured=9.0, delay=(10, 200),
                  lag=90, hangul_missing=0.02, latin_missing=0.4, north_hangul=0.3,
                  date_weights={"day": 0.3, "day_approx": 0.15, "month": 0.3,
                                "month_range": 0.15, "day_range": 0.05, "unknown": 0.05},
                  held_at_missing=0.6, origin_missing=0.05, duplicates=0.06),
    SourceProfile("Southern route network (synthetic)", "network", "SRN", 0.6, north=0.03,
                  groups_whole=True, delay=(1, 20), lag=10, hangul_missing=0.15,
                  north_hangul=0.3, name_weights=_NET_NAMES, labels_groups=0.95,
                  date_weights={"day": 0.75, "day_approx": 0.1, "month": 0.15},
                  held_at_missing=0.4, duplicates=0.03),
    SourceProfile("Activist reports (synthetic)", "activist", "ACT", 0.08, surge=3.0,
                  delay=(3, 90), lag=45, hangul_missing=0.3, labels_groups=0.3,
                  date_weights={"day": 0.4, "day_approx": 0.15, "month": 0.2,
                                "month_range": 0.15, "day_range": 0.1},
                  duplicates=0.04),
    SourceProfile("Press clippings (synthetic)", "media", "MED", 0.03, big_groups=6.0,
                  delay=(1, 30), lag=20, hangul_missing=0.65, unknown_status=0.2,
                  name_weights={"conventional": 0.5, "rr": 0.3, "dprk": 0.1, "mr_plain": 0.1},
                  date_weights={"day": 0.3, "month": 0.4, "month_range": 0.15, "year": 0.1,
                                "unknown": 0.05},
                  held_at_missing=0.6, origin_missing=0.7, sex_missing=0.15, duplicates=0.02),
    SourceProfile("Own accounts (synthetic)", "self", "SLF", 0.45,
                  only_statuses=("released", "safe"), delay=(30, 400), lag=0,
                  hangul_missing=0.0, date_weights={"day": 0.7, "month": 0.3},
                  held_at_missing=0.1, origin_missing=0.0, sex_missing=0.0, duplicates=0.01),
    SourceProfile("Official statements (synthetic)", "official", "OFF", 0.04,
                  only_statuses=("returned",), delay=(30, 300), lag=0, hangul_missing=0.5,
                  name_weights={"mr_plain": 0.5, "dprk": 0.5},
                  date_weights={"day": 0.6, "month": 0.4}, held_at_missing=0.2,
                  duplicates=0.0),
)
"""The source kinds of the world, in the order ``simulate_world`` takes them."""


@dataclass(frozen=True)
class NoiseRates:
    """Rates of the extra noise (see the module docstring); 0 adds none of that kind."""

    typo: float = 0.0
    glued: float = 0.0
    given_first: float = 0.0
    resplit: float = 0.0
    no_hangul: float = 0.0
    no_hangul_sources: tuple[str, ...] = ()
    repeats: float | None = None
    no_dates: float = 0.0
    no_place: float = 0.0
    age_off: float = 0.0

    def __post_init__(self) -> None:
        rates = (self.typo, self.glued, self.given_first, self.resplit, self.no_hangul,
                 self.no_dates, self.no_place, self.age_off,
                 0.0 if self.repeats is None else self.repeats)
        if any(not 0.0 <= r <= 1.0 for r in rates):
            raise ValueError("noise rates must be between 0 and 1")

    @property
    def any_name_noise(self) -> bool:
        return bool(self.typo or self.glued or self.given_first or self.resplit)


REALISTIC: Final = NoiseRates(typo=0.04, glued=0.01, given_first=0.03, resplit=0.03,
                              no_hangul=0.6, no_hangul_sources=("MED", "SRN"), no_dates=0.03,
                              no_place=0.03, age_off=0.05)
"""Noise at about the rates seen in real lists (a reading, not a measurement)."""

HARD: Final = NoiseRates(typo=0.12, glued=0.04, given_first=0.08, resplit=0.08,
                         no_hangul=0.85, no_hangul_sources=("MED", "SRN", "ACT"),
                         repeats=0.08, no_dates=0.08, no_place=0.08, age_off=0.15)
"""Harder than life: what linkage must survive (the issue 12 worlds)."""

NOISE_PRESETS: Final[dict[str, NoiseRates]] = {
    "none": NoiseRates(), "realistic": REALISTIC, "hard": HARD,
}
"""Presets by name (``refwatch simulate --noise``)."""


@dataclass(frozen=True)
class WorldSummary:
    """What ``simulate_world`` wrote."""

    out_dir: Path
    seed: int
    people: int
    sources: int
    rows: int
    persons_reported: int
    duplicate_rows: int
    rows_by_source: tuple[tuple[str, int], ...]
    case_lists: tuple[Path, ...]
    truth: Path
    readme: Path
    files: tuple[Path, ...]


def _profiles(count: int, rng: random.Random) -> list[SourceProfile]:
    """``count`` sources: the templates in order, then numbered copies; rates jittered."""
    profiles: list[SourceProfile] = []
    for i in range(count):
        base = SOURCE_TEMPLATES[i % len(SOURCE_TEMPLATES)]
        round_no = i // len(SOURCE_TEMPLATES)
        name, prefix = base.name, base.prefix
        if round_no:
            name = name.replace(" (synthetic)", f" {round_no + 1} (synthetic)")
            prefix = f"{prefix}{round_no + 1}"
        profiles.append(replace(base, name=name, prefix=prefix,
                                rate=base.rate * rng.uniform(0.8, 1.2)))
    return profiles


def _capture_probability(p: SourceProfile, person: Person) -> float:
    if p.only_statuses and person.status not in p.only_statuses:
        return 0.0
    prob = p.rate * (p.south if person.route == "south" else p.north)
    if p.favoured_origins:
        prob *= p.favoured if person.origin in p.favoured_origins else p.others
    if SURGE[0] <= person.apprehended_on <= SURGE[1]:
        prob *= p.surge
    if person.group_size >= 5:
        prob *= p.big_groups
    return min(prob, 0.95)


def _captured(p: SourceProfile, person: Person, rng: random.Random,
              group_seen: dict[str, bool]) -> bool:
    prob = _capture_probability(p, person)
    if p.groups_whole and person.group:
        seen = group_seen.get(person.group)
        if seen is None:
            seen = group_seen[person.group] = rng.random() < prob
        return seen and rng.random() < 0.9
    return rng.random() < prob


def _age_off(age: str, person: Person, rng: random.Random) -> str:
    """A plain age off by one or two years, on the true side of the 18 / 60 lines."""
    true_age = person.age
    lo, hi = (0, 17) if true_age < 18 else (60, 120) if true_age >= 60 else (18, 59)
    shifted = [a for a in (true_age - 2, true_age - 1, true_age + 1, true_age + 2)
               if lo <= a <= hi]
    return str(rng.choice(shifted)) if shifted else age


def _age_cells(person: Person, rng: random.Random) -> tuple[str, str]:
    """(birth_year, age) cells: exact or approximate, often one missing."""
    roll = rng.random()
    want_age, want_year = roll < 0.6, 0.45 <= roll < 0.85
    year = noisy_birth_year(person.birth_year, rng, 0.3) if want_year else ""
    age = ""
    if want_age:
        true_age = person.age
        lo, hi = (0, 17) if true_age < 18 else (60, 120) if true_age >= 60 else (18, 59)
        noise = rng.random()
        if noise < 0.15:
            age = str(min(hi, max(lo, true_age + rng.choice((-1, 1)))))
        elif noise < 0.22:
            age = f"{max(0, true_age + rng.randint(-2, 2))}~"
        else:
            age = str(true_age)
    return year, age


def _place_cell(person: Person, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.01:
        return rng.choice(UNKNOWN_PLACES)
    if roll < 0.04:
        return ""
    place = person.place
    if place in CONTAINED_IN and rng.random() < 0.1:
        place = CONTAINED_IN[place]
    spellings = CHINESE_PLACES[place]
    return spellings[0] if rng.random() < 0.6 else rng.choice(spellings)


def _report(p: SourceProfile, person: Person, rng: random.Random, reported_on: date,
            record_id: str, labels: dict[str, str], noise: NoiseRates = NoiseRates(),
            noise_rng: random.Random | None = None,
            ) -> tuple[dict[str, str], dict[str, str]]:
    """One case-list row of ``person`` as ``p`` reports it on ``reported_on``, and its truth.

    ``noise`` adds the extra noise, drawn from ``noise_rng`` only (see the module).
    """
    known = reported_on - timedelta(days=rng.randint(0, p.lag))
    if rng.random() < p.unknown_status:
        status = "unknown"
    elif person.status_on is not None and person.status_on <= known:
        status = person.status
    else:
        status = "detained"
    status_on = ""
    if status not in ("detained", "unknown") and person.status_on is not None:
        weights = {k: v for k, v in p.date_weights.items() if k != "unknown"} or {"day": 1.0}
        status_on = noisy_date(person.status_on, rng, weights)
    hangul = person.name
    if rng.random() < p.north_hangul:
        hangul = dprk_hangul(hangul)
    parts = variant_parts(person.name, rng, p.name_weights)
    if noise_rng is not None and noise.any_name_noise:
        latin, _kinds = noisy_latin(parts, noise_rng, typo_rate=noise.typo,
                                    glued=noise.glued, given_first=noise.given_first,
                                    resplit_rate=noise.resplit)
    else:
        latin = parts.text()
    written_latin = latin
    if rng.random() < p.hangul_missing:
        hangul = ""
    elif rng.random() < p.latin_missing:
        latin = ""
    if hangul and noise_rng is not None and noise.no_hangul > p.hangul_missing and (
        p.prefix.rstrip("0123456789") in noise.no_hangul_sources
    ):  # more rows without Hangul, drawn so that the source misses it at no_hangul
        extra = (noise.no_hangul - p.hangul_missing) / (1.0 - p.hangul_missing)
        if noise_rng.random() < extra:
            hangul, latin = "", written_latin
    birth_year, age = _age_cells(person, rng)
    group = ""
    if person.group and rng.random() < p.labels_groups:
        group = labels.setdefault(person.group, f"{p.prefix}-G{len(labels) + 1:05d}")
    notes = ""
    if rng.random() < 0.05:
        notes = rng.choice(("synthetic record", "synthetic: reported by phone",
                            "synthetic: caught with others", "synthetic: relative informed"))
    row = {
        "source": p.name,
        "source_type": p.source_type,
        "reported_on": reported_on.isoformat(),
        "record_id": record_id,
        "name_hangul": hangul,
        "name_latin": latin,
        "sex": "" if rng.random() < p.sex_missing else person.sex,
        "birth_year": birth_year,
        "age": age,
        "origin": ("" if not person.origin or rng.random() < p.origin_missing
                   else rng.choice(ORIGINS[person.origin])),
        "apprehended_on": noisy_date(person.apprehended_on, rng, p.date_weights),
        "apprehended_at": _place_cell(person, rng),
        "held_at": "" if rng.random() < p.held_at_missing else rng.choice(
            FACILITIES[person.facility]),
        "status": status,
        "status_on": status_on,
        "group": group,
        "flags": join_flags([f for f in person.flags
                             if f == "born_in_detention" or rng.random() < 0.9]),
        "notes": notes,
    }
    if noise_rng is not None:
        _row_noise(row, person, noise, noise_rng)
    return row, _truth(p, person, record_id)


def _truth(p: SourceProfile, person: Person, record_id: str) -> dict[str, str]:
    """The answer-key row of one case-list row: the person's true values."""
    return {
        "source": p.name,
        "record_id": record_id,
        "true_person_id": person.pid,
        "name_hangul": person.name,
        "sex": person.sex,
        "birth_year": str(person.birth_year),
        "origin": person.origin,
        "apprehended_on": person.apprehended_on.isoformat(),
        "apprehended_place": person.place,
        "held_at": person.facility,
        "status": person.status,
        "status_on": person.status_on.isoformat() if person.status_on else "",
        "group": person.group,
        "flags": join_flags(person.flags),
    }


def _row_noise(row: dict[str, str], person: Person, noise: NoiseRates,
               rng: random.Random) -> None:
    """Blank dates or places, shift a plain age (see the module); draws only at rate > 0."""
    if noise.no_dates and rng.random() < noise.no_dates:
        row["apprehended_on"] = ""
        row["status_on"] = ""
    if noise.no_place and rng.random() < noise.no_place:
        row["apprehended_at"] = ""
        row["held_at"] = ""
    if noise.age_off and row["age"].isdigit() and rng.random() < noise.age_off:
        row["age"] = _age_off(row["age"], person, rng)


def _reported_on(p: SourceProfile, person: Person, rng: random.Random) -> date:
    start = person.apprehended_on
    if p.only_statuses and person.status_on is not None:
        start = person.status_on
    return min(AS_OF, start + timedelta(days=rng.randint(*p.delay)))


def _source_rows(p: SourceProfile, persons: list[Person], rng: random.Random,
                 seen: bytearray) -> Iterator[tuple[Person, date, bool]]:
    """Yield (person, reported_on, is_repeat) for every row the source writes.

    Repeats are drawn at ``p.duplicates`` (the one draw per captured person is the same
    whatever the rate, so a different rate leaves the other draws in place).
    """
    group_seen: dict[str, bool] = {}
    repeats: list[tuple[Person, date]] = []
    for index, person in enumerate(persons):
        if not _captured(p, person, rng, group_seen):
            continue
        seen[index] = 1
        first = _reported_on(p, person, rng)
        yield person, first, False
        if rng.random() < p.duplicates:
            repeats.append((person, min(AS_OF, first + timedelta(days=rng.randint(15, 240)))))
    for person, later in repeats:
        yield person, later, True


def _noisy_profile(p: SourceProfile, noise: NoiseRates) -> SourceProfile:
    """The profile with the noise settings that change its own rates applied."""
    changes: dict[str, float] = {}
    if noise.repeats is not None:
        changes["duplicates"] = noise.repeats
    return replace(p, **changes) if changes else p  # type: ignore[arg-type]


def simulate_world(out_dir: Path, *, people: int, sources: int, seed: int,
                   noise: NoiseRates | None = None) -> WorldSummary:
    """Write a synthetic world of ``people`` persons seen by ``sources`` sources to ``out_dir``.

    Writes ``<source-slug>.csv`` per source, ``truth.csv`` and ``README.txt``; returns
    what was written.  The same arguments always give byte-identical files.  ``noise``
    adds the extra noise of the module docstring (default none).
    """
    noise = noise or NoiseRates()
    if sources < 1:
        raise ValueError("sources must be >= 1")
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"refwatch-world:{seed}")
    persons = make_population(people, rng)
    profiles = _profiles(sources, rng)
    seen = bytearray(len(persons))
    rows_by_source: list[tuple[str, int]] = []
    case_lists: list[Path] = []
    duplicates = 0
    truth_path = out_dir / "truth.csv"
    with TruthWriter(truth_path) as truth_out:
        for p in profiles:
            path = out_dir / f"{slugify(p.name)}.csv"
            source_rng = random.Random(f"refwatch-world:{seed}:{p.prefix}")
            noise_rng = random.Random(f"refwatch-world:{seed}:{p.prefix}:noise")
            p = _noisy_profile(p, noise)
            labels: dict[str, str] = {}
            with CaseListWriter(path) as out:
                for person, reported_on, repeat in _source_rows(p, persons, source_rng, seen):
                    record_id = f"{p.prefix}-{out.rows + 1:06d}"
                    row, truth = _report(p, person, source_rng, reported_on, record_id, labels,
                                         noise, noise_rng)
                    out.write(row)
                    truth_out.write(truth)
                    duplicates += repeat
                rows_by_source.append((p.name, out.rows))
            case_lists.append(path)
    total = sum(n for _, n in rows_by_source)
    readme = write_readme(out_dir / "README.txt", (
        f"Synthetic world generated by refwatch.simulate.world.simulate_world with seed {seed}.\n"
        f"{people} invented persons, {sources} invented sources, {total} case-list rows "
        f"({duplicates} repeated rows within a source).\n"
        f"Statuses and reports are as of {AS_OF.isoformat()} at the latest.\n"
        + ("" if noise == NoiseRates() else f"Extra noise: {noise}.\n")
        + "\n"
        "Case lists (DOMAIN.md format):\n"
        + "".join(f"  {path.name}: {name}, {n} rows\n"
                  for path, (name, n) in zip(case_lists, rows_by_source, strict=True))
        + "\ntruth.csv is the answer key (one row per case-list row: source, record_id,\n"
        "true_person_id and the person's true values). Never import it as a case list.\n"
    ))
    return WorldSummary(
        out_dir=out_dir, seed=seed, people=len(persons), sources=len(profiles), rows=total,
        persons_reported=sum(seen), duplicate_rows=duplicates,
        rows_by_source=tuple(rows_by_source), case_lists=tuple(case_lists), truth=truth_path,
        readme=readme, files=(*case_lists, truth_path, readme),
    )
