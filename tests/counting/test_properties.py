"""Property: at least <= the true count <= at most, for random worlds whose truth is known.

Two kinds of world. The synthetic world (`simulate_world`) has every kind of noise real
lists have; its truth.csv gives each person's true dates, place, sex, age and flags, so
every event count, filter and month or province cell can be checked against the truth.
Exits (return, release, safety, death) are counted in the truth only when some source
reported them: a count documents what the records show, and bounds are about how
uncertain the records are, not about events nobody reported.

Status as of a date is checked on a second, smaller world made here, whose sources
report honestly (a reported exit is in its interval; a source may lag and still say
"detained" after an exit another source reported): "status as of" is the last known
state, so it can only be checked where every exit that happened was reported.

Mentions are linked by the answer key (standing in for confirmed linkage).
"""

from __future__ import annotations

import csv
import random
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from refwatch.counting.count import evaluate
from refwatch.counting.query import AGE_BANDS, make_query
from refwatch.counting.snapshot import forget, load_snapshot
from refwatch.gazetteer import load_gazetteer
from refwatch.intake.importer import import_files
from refwatch.intake.places import POINT_KINDS
from refwatch.simulate.dates import noisy_date
from refwatch.simulate.world import simulate_world
from refwatch.store.crypto import FieldCipher
from refwatch.store.database import drop_pg_schema
from refwatch.store.keys import Secret
from refwatch.store.workspace import Workspace, init_workspace
from tests.conftest import ENGINES, PASSPHRASE, TEST_KDF, pg_url_or_skip, row, write_csv
from tests.counting.conftest import link_by_truth, read_truth

EXIT_OF_STATUS = {"returned": "return", "released": "release", "safe": "safety", "died": "death"}
REGIONS = (
    "cn-jilin",
    "cn-jilin-yanbian",
    "cn-jilin-tumen",
    "cn-jilin-changbai",
    "cn-liaoning",
    "cn-yunnan",
    "cn-yunnan-xishuangbanna",
    "cn-yunnan-jinghong",
    "cn",
    "fac-cn-tumen-border-detention",
    "fac-cn-xishuangbanna-detention",
)
FLAGS = ("child", "older", "born_in_detention", "pregnant", "ill", "guide")


@contextmanager
def scratch_workspace(engine: str) -> Iterator[tuple[Workspace, FieldCipher, Path]]:
    url = pg_url_or_skip() if engine == "postgresql" else None
    schema = f"rwprop_{uuid.uuid4().hex[:12]}" if url else None
    secret = Secret(passphrase=PASSPHRASE)
    with tempfile.TemporaryDirectory(prefix="rw-prop-") as tmp:
        workspace = init_workspace(
            Path(tmp) / "ws", secret, db_url=url, schema=schema, actor="test", kdf=TEST_KDF
        )
        try:
            yield workspace, FieldCipher(workspace.unlock(secret)), Path(tmp)
        finally:
            forget(workspace)
            workspace.close()
            if url is not None and schema is not None:
                drop_pg_schema(url, schema)


@dataclass
class Truth:
    dates: dict[str, date]
    place: str | None
    facility: str | None
    sex: str
    age: int
    flags: set[str]
    sources: set[str] = field(default_factory=set)
    exits_reported_by: dict[str, set[str]] = field(default_factory=dict)


def world_truth(folder: Path) -> dict[str, Truth]:
    gazetteer = load_gazetteer()
    reported: dict[tuple[str, str], str] = {}
    for path in folder.glob("*.csv"):
        if path.name == "truth.csv":
            continue
        with open(path, encoding="utf-8", newline="") as handle:
            for r in csv.DictReader(handle):
                reported[(r["source"], r["record_id"])] = r["status"]
    people: dict[str, Truth] = {}
    with open(folder / "truth.csv", encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle):
            pid = r["true_person_id"]
            if pid not in people:
                flags = set(filter(None, r["flags"].split(";")))
                start = date.fromisoformat(r["apprehended_on"])
                baby = "born_in_detention" in flags
                dates = {"detention": start, "birth" if baby else "apprehension": start}
                if r["status_on"]:
                    dates[EXIT_OF_STATUS[r["status"]]] = date.fromisoformat(r["status_on"])
                place = gazetteer.resolve(r["apprehended_place"], kinds=POINT_KINDS)
                facility = gazetteer.resolve(r["held_at"], kinds=("facility",))
                people[pid] = Truth(
                    dates=dates,
                    place=place.id if place else None,
                    facility=facility.id if facility else None,
                    sex=r["sex"],
                    age=start.year - int(r["birth_year"]),
                    flags=flags,
                )
            truth = people[pid]
            truth.sources.add(r["source"])
            status = reported[(r["source"], r["record_id"])]
            if status in EXIT_OF_STATUS:
                truth.exits_reported_by.setdefault(EXIT_OF_STATUS[status], set()).add(r["source"])
    return people


@dataclass(frozen=True)
class Ask:
    event: str
    start: date | None
    end: date | None
    region: str | None
    sex: str | None
    band: str | None
    flags: tuple[str, ...]
    source: int | None
    by: str | None


def asks() -> st.SearchStrategy[Ask]:
    days = st.dates(min_value=date(2015, 6, 1), max_value=date(2019, 12, 31))
    return st.builds(
        Ask,
        event=st.sampled_from(
            ("apprehension", "detention", "return", "release", "safety", "death", "birth")
        ),
        start=st.none() | days,
        end=st.none() | days,
        region=st.none() | st.sampled_from(REGIONS),
        sex=st.none() | st.sampled_from(("F", "M")),
        band=st.none() | st.sampled_from(tuple(AGE_BANDS)),
        flags=st.lists(st.sampled_from(FLAGS), max_size=2, unique=True).map(tuple),
        source=st.none() | st.integers(0, 6),
        by=st.none() | st.sampled_from(("month", "province", "sex", "flag", "age_band")),
    )


def matches(t: Truth, ask: Ask, source: str | None, when: date) -> bool:
    gazetteer = load_gazetteer()
    if (ask.start and when < ask.start) or (ask.end and when > ask.end):
        return False
    if source is not None and source not in t.sources:
        return False
    if ask.event in ("return", "release", "safety", "death"):
        reporters = t.exits_reported_by.get(ask.event, set())
        if not reporters or (source is not None and source not in reporters):
            return False
    if ask.region is not None:
        if ask.region.startswith("fac-"):
            if t.facility != ask.region:
                return False
        elif t.place is None or t.place not in gazetteer.within(ask.region):
            return False
    if ask.sex is not None and t.sex != ask.sex:
        return False
    if ask.band is not None:
        low, high = AGE_BANDS[ask.band]
        if not low <= t.age <= high:
            return False
    return all(flag in t.flags for flag in ask.flags)


def cell_of(t: Truth, dimension: str, when: date) -> list[str]:
    gazetteer = load_gazetteer()
    if dimension == "month":
        return [when.isoformat()[:7]]
    if dimension == "province":
        province = gazetteer.province_of(t.place) if t.place else None
        return [province.id] if province else []
    if dimension == "sex":
        return [t.sex]
    if dimension == "flag":
        return sorted(t.flags)
    low_high = {band: AGE_BANDS[band] for band in AGE_BANDS}
    return [band for band, (low, high) in low_high.items() if low <= t.age <= high]


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
@settings(
    max_examples=12,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),  # shrinking a world takes hours
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    people=st.integers(20, 140),
    sources=st.integers(1, 7),
    seed=st.integers(0, 10_000),
    questions=st.lists(asks(), min_size=15, max_size=15),
)
def test_at_least_and_at_most_bracket_the_true_count_in_random_worlds(
    engine: str, people: int, sources: int, seed: int, questions: list[Ask]
) -> None:
    with scratch_workspace(engine) as (workspace, cipher, folder):
        world = simulate_world(folder / "world", people=people, sources=sources, seed=seed)
        import_files(workspace, cipher, list(world.case_lists), actor="test")
        link_by_truth(workspace, read_truth(world.truth))
        truth = world_truth(folder / "world")
        reported = {p: t for p, t in truth.items() if t.sources}
        names = sorted({s for t in reported.values() for s in t.sources})
        snapshot = load_snapshot(workspace)
        assert snapshot.evidence.persons == len(reported)
        for ask in questions:
            if ask.start and ask.end and ask.end < ask.start:
                continue
            source = names[ask.source % len(names)] if ask.source is not None else None
            query = make_query(
                event=ask.event,
                period_from=ask.start,
                period_to=ask.end,
                place=ask.region,
                sex=ask.sex,
                age_band=ask.band,
                flags=ask.flags,
                source=source,
                by=ask.by,
            )
            result = evaluate(snapshot, query)
            hits = [
                (t, t.dates[ask.event])
                for t in reported.values()
                if ask.event in t.dates and matches(t, ask, source, t.dates[ask.event])
            ]
            assert result.at_least <= len(hits) <= result.at_most, (ask, source)
            if ask.by is None:
                continue
            true_cells: dict[str, int] = {}
            for t, when in hits:
                for cell in cell_of(t, ask.by, when):
                    true_cells[cell] = true_cells.get(cell, 0) + 1
            for cell in result.cells:
                true = true_cells.get(cell.key[0], 0)
                assert cell.at_least <= true <= cell.at_most, (ask, source, cell, true)
            if ask.by == "month" and ask.start and ask.end:
                listed = {cell.key[0] for cell in result.cells}
                assert set(true_cells) <= listed, (ask, true_cells, listed)


STATUS_OF_EXIT = {v: k for k, v in EXIT_OF_STATUS.items()}
FORMS = {
    "day": 0.4,
    "day_approx": 0.1,
    "month": 0.2,
    "month_range": 0.1,
    "day_range": 0.1,
    "year": 0.05,
    "unknown": 0.05,
}


@dataclass
class Timeline:
    start: date
    exit: tuple[str, date] | None


def honest_world(seed: int, people: int) -> tuple[list[dict[str, str]], dict[str, Timeline]]:
    """Case-list rows whose sources tell the truth as of their report date (some lag)."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    timelines: dict[str, Timeline] = {}
    sources = [
        ("Family contacts", "family"),
        ("Activist reports", "activist"),
        ("Seoul Documentation Center", "ngo_list"),
    ]
    for i in range(people):
        start = date(2016, 1, 1) + timedelta(days=rng.randint(0, 1000))
        exit_ = None
        if rng.random() < 0.6:
            kind = rng.choice(("return", "release", "safety", "death"))
            exit_ = (kind, start + timedelta(days=rng.randint(1, 300)))
        timelines[f"T{i}"] = Timeline(start, exit_)
        report_days = [
            start + timedelta(days=rng.randint(0, 500)) for _ in range(rng.randint(1, 3))
        ]
        if exit_ is not None and all(day < exit_[1] for day in report_days):
            report_days.append(exit_[1] + timedelta(days=rng.randint(0, 60)))
        for n, day in enumerate(report_days):
            name, kind = rng.choice(sources)
            lagging = rng.random() < 0.15
            status, status_on = "detained", ""
            if exit_ is not None and exit_[1] <= day and not lagging:
                status = STATUS_OF_EXIT[exit_[0]]
                weights = {k: v for k, v in FORMS.items() if k != "unknown"}
                status_on = noisy_date(exit_[1], rng, weights)
            rows.append(
                row(
                    source=name,
                    source_type=kind,
                    record_id=f"T{i}-{n}",
                    reported_on=day.isoformat(),
                    name_latin=f"Synthetic person {i}",
                    apprehended_on=noisy_date(start, rng, FORMS),
                    held_at="Tumen border detention center" if rng.random() < 0.3 else "",
                    status=status,
                    status_on=status_on,
                )
            )
        if exit_ is not None and not any(
            r["status"] == STATUS_OF_EXIT[exit_[0]]
            for r in rows
            if r["record_id"].startswith(f"T{i}-")
        ):
            rows[-1]["status"] = STATUS_OF_EXIT[exit_[0]]
            rows[-1]["status_on"] = exit_[1].isoformat()
            rows[-1]["reported_on"] = max(
                exit_[1], date.fromisoformat(rows[-1]["reported_on"])
            ).isoformat()
    return rows, timelines


def true_status(timeline: Timeline, day: date) -> str | None:
    if day < timeline.start:
        return None
    if timeline.exit is not None and timeline.exit[1] <= day:
        return STATUS_OF_EXIT[timeline.exit[0]]
    return "detained"


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
@settings(
    max_examples=10,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 10_000),
    people=st.integers(1, 30),
    days=st.lists(
        st.dates(min_value=date(2015, 6, 1), max_value=date(2020, 6, 30)), min_size=6, max_size=6
    ),
)
def test_status_as_of_any_date_brackets_the_true_status(
    engine: str, seed: int, people: int, days: list[date]
) -> None:
    rows, timelines = honest_world(seed, people)
    with scratch_workspace(engine) as (workspace, cipher, folder):
        path = write_csv(folder / "honest.csv", rows)
        import_files(workspace, cipher, [path], actor="test")
        key = {(r["source"], r["record_id"]): r["record_id"].split("-")[0] for r in rows}
        link_by_truth(workspace, key)
        snapshot = load_snapshot(workspace)
        for day in days:
            for status in ("detained", "returned", "released", "safe", "died"):
                query = make_query(status=status, as_of=day)
                result = evaluate(snapshot, query)
                true = sum(true_status(t, day) == status for t in timelines.values())
                assert result.at_least <= true <= result.at_most, (day, status)
