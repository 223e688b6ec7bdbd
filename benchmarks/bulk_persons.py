"""Many persons with their evidence, written straight into a workspace's tables.

Why: the counting benchmarks need 10,000 to 1,000,000 persons, and the importer (with
validation, fingerprints and encryption) would spend most of an hour on a million rows
measuring something else (benchmarks/import_speed.py does that). So rows are generated
with numpy and written in bulk — sqlite3 `executemany`, PostgreSQL `COPY` — into the same
tables and columns the importer fills: sources, reports, mentions (no names: ciphertexts
take no part in counting), person links, persons and events (apprehension, detention
with its facility, and the exit a status implies). No audit entries are written for them.
What a linkage run stores is written too, so counts work out identity bounds at full
size: one run, a scored pair between consecutive mentions of each person (probability
0.5 to 1) and, for one person in ten, an uncertain pair with the next person (0.05 to 0.5).

Each person has 1 to 3 mentions from 5 sources (1.35 on average), an apprehension date
2016-2018 written as a day, a month, a two-month range or left out, a place among 16
Chinese towns (sometimes unresolved), and a status (returned 55%, detained 35%,
released 5%, safe 5%) dated after the apprehension.
"""

from __future__ import annotations

import io
import sqlite3
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import text

from refwatch.intake.places import ensure_places
from refwatch.store.workspace import Workspace

RUN_ID = "bulk-benchmark-run"
PLACES = (
    "cn-jilin-tumen",
    "cn-jilin-yanji",
    "cn-jilin-helong",
    "cn-jilin-longjing",
    "cn-jilin-hunchun",
    "cn-jilin-changbai",
    "cn-jilin-baishan",
    "cn-liaoning-dandong",
    "cn-liaoning-shenyang",
    "cn-heilongjiang-harbin",
    "cn-shandong-qingdao",
    "cn-yunnan-kunming",
    "cn-yunnan-xishuangbanna",
    "cn-yunnan-jinghong",
    "cn-yunnan-mengla",
    "cn-yunnan-mohan",
)
FACILITIES = (
    "fac-cn-tumen-border-detention",
    "fac-cn-yanji-detention",
    "fac-cn-helong-detention",
    "fac-cn-longjing-detention",
    "fac-cn-hunchun-detention",
    "fac-cn-changbai-detention",
    "fac-cn-baishan-detention",
    "fac-cn-dandong-border-detention",
    "fac-cn-shenyang-detention",
    "fac-cn-tumen-border-detention",
    "fac-cn-dandong-border-detention",
    "fac-cn-kunming-detention",
    "fac-cn-xishuangbanna-detention",
    "fac-cn-xishuangbanna-detention",
    "fac-cn-mengla-detention",
    "fac-cn-mengla-detention",
)
SOURCES = (
    ("Seoul Documentation Center (synthetic)", "ngo_list"),
    ("Northern rescue network (synthetic)", "network"),
    ("Southern route network (synthetic)", "network"),
    ("Family contacts (synthetic)", "family"),
    ("Activist reports (synthetic)", "activist"),
)
STATUSES = ("returned", "detained", "released", "safe")
EXIT_EVENT = {"returned": "return", "released": "release", "safe": "safety"}
START = date(2016, 1, 1)


def _iso(days: int) -> str:
    return (START + timedelta(days=int(days))).isoformat()


def _month_bounds(day: int) -> tuple[str, str, str]:
    d = START + timedelta(days=int(day))
    first = d.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return d.strftime("%Y-%m"), first.isoformat(), last.isoformat()


def generate(persons: int, seed: int = 1) -> dict[str, list[tuple[Any, ...]]]:
    """Rows per table, as tuples in the column order of `COLUMNS`."""
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    start = rng.integers(0, 3 * 365, persons)
    surge = rng.random(persons) < 0.08
    start[surge] = 547 + rng.integers(0, 62, int(surge.sum()))  # July-August 2017
    place = rng.integers(0, len(PLACES), persons)
    sex = rng.choice(np.array(["F", "M"]), persons, p=[0.7, 0.3])
    age = rng.integers(5, 75, persons)
    status = rng.choice(np.arange(4), persons, p=[0.55, 0.35, 0.05, 0.05])
    exit_day = start + rng.integers(10, 300, persons)
    copies = rng.choice(np.array([1, 2, 3]), persons, p=[0.7, 0.25, 0.05])
    rows: dict[str, list[tuple[Any, ...]]] = {
        "sources": [
            (f"{i:032x}", name, kind, None, None, now) for i, (name, kind) in enumerate(SOURCES)
        ],
        "persons": [],
        "reports": [],
        "mentions": [],
        "person_links": [],
        "events": [],
        "linkage_runs": [(RUN_ID, now, now, "benchmark", "done", "duckdb", 0, 0, None, None)],
        "linkage_pairs": [],
    }
    first_mention: list[str] = []
    forms = rng.random(int(copies.sum()) + 1)
    drops = rng.random(int(copies.sum()) + 1)
    m = 0
    e = 0
    for p in range(persons):
        pid = f"P-{p + 1:07d}"
        rows["persons"].append((pid, now, 1))
        flags = "child" if age[p] < 18 else ("older" if age[p] >= 60 else "")
        for c in range(int(copies[p])):
            mid = f"{m + 1:032x}"
            if c == 0:
                first_mention.append(mid)
            else:
                rows["linkage_pairs"].append(
                    (f"{m:032x}", mid, RUN_ID, 0.5 + 0.5 * float(forms[m]), 0.0, None, "")
                )
            source = f"{(p + c) % len(SOURCES):032x}"
            reported = int(start[p]) + 20 + 40 * c
            st = STATUSES[int(status[p])]
            if st != "detained" and reported < int(exit_day[p]):
                st = "detained"
            rows["reports"].append(
                (
                    mid,
                    source,
                    f"R{m + 1}",
                    _iso(reported),
                    _iso(reported),
                    _iso(reported),
                    None,
                    None,
                    f"{m:064x}",
                    None,
                    None,
                    None,
                    now,
                )
            )
            form = forms[m]
            if form < 0.55:
                app = (_iso(start[p]), _iso(start[p]), _iso(start[p]))
            elif form < 0.85:
                app = _month_bounds(int(start[p]))
            elif form < 0.97:
                a, b = _month_bounds(int(start[p])), _month_bounds(int(start[p]) + 31)
                app = (f"{a[0]}/{b[0]}", a[1], b[2])
            else:
                app = (None, None, None)
            place_id = None if drops[m] < 0.03 else PLACES[int(place[p])]
            status_on = _iso(exit_day[p]) if st != "detained" else None
            rows["mentions"].append(
                (
                    mid,
                    mid,
                    None,
                    None,
                    None,
                    None,
                    None if drops[m] > 0.9 else str(sex[p]),
                    None,
                    None,
                    None,
                    str(age[p]),
                    int(age[p]),
                    int(age[p]),
                    None,
                    None,
                    st,
                    status_on,
                    status_on,
                    status_on,
                    None,
                    flags,
                )
            )
            rows["person_links"].append((mid, pid, 0.9, RUN_ID, now))
            facility = FACILITIES[int(place[p])]
            for kind, when, where, held in (
                ("apprehension", app, place_id, None),
                ("detention", app, None, facility),
            ):
                e += 1
                rows["events"].append(
                    (
                        f"{e:032x}",
                        mid,
                        kind,
                        None,
                        when[0],
                        when[1],
                        when[2],
                        None,
                        where,
                        None,
                        held,
                        None,
                    )
                )
            if st in EXIT_EVENT:
                e += 1
                rows["events"].append(
                    (
                        f"{e:032x}",
                        mid,
                        EXIT_EVENT[st],
                        None,
                        status_on,
                        status_on,
                        status_on,
                        None,
                        None,
                        None,
                        None,
                        None,
                    )
                )
            m += 1
    uncertain = rng.random(persons) < 0.1
    for p in np.flatnonzero(uncertain[:-1]).tolist():
        a, b = first_mention[p], first_mention[p + 1]
        probability = 0.05 + 0.45 * float(rng.random())
        rows["linkage_pairs"].append((a, b, RUN_ID, probability, 0.0, None, ""))
    return rows


COLUMNS = {
    "sources": ("id", "name", "source_type", "reliability", "contact_enc", "created_at"),
    "persons": ("id", "created_at", "version"),
    "reports": (
        "id",
        "source_id",
        "record_id",
        "reported_on",
        "reported_earliest",
        "reported_latest",
        "text_enc",
        "language",
        "fingerprint",
        "supersedes_id",
        "batch_id",
        "row_number",
        "received_at",
    ),
    "mentions": (
        "id",
        "report_id",
        "supersedes_id",
        "name_hangul_enc",
        "name_latin_enc",
        "notes_enc",
        "sex",
        "birth_year",
        "birth_earliest",
        "birth_latest",
        "age",
        "age_min",
        "age_max",
        "origin",
        "origin_place_id",
        "status",
        "status_on",
        "status_earliest",
        "status_latest",
        "group_id",
        "flags",
    ),
    "person_links": ("mention_id", "person_id", "match_probability", "run_id", "linked_at"),
    "linkage_runs": (
        "id",
        "started_at",
        "finished_at",
        "actor",
        "status",
        "backend",
        "mentions",
        "persons",
        "settings",
        "summary",
    ),
    "linkage_pairs": (
        "mention_a",
        "mention_b",
        "run_id",
        "match_probability",
        "match_weight",
        "tf_weight",
        "detail",
    ),
    "events": (
        "id",
        "mention_id",
        "event_type",
        "esf_code",
        "date_edtf",
        "date_earliest",
        "date_latest",
        "place",
        "place_id",
        "facility",
        "facility_id",
        "authority",
    ),
}
ORDER = (
    "sources",
    "persons",
    "reports",
    "mentions",
    "linkage_runs",
    "person_links",
    "events",
    "linkage_pairs",
)


def write(workspace: Workspace, rows: dict[str, list[tuple[Any, ...]]]) -> None:
    """Write the rows in one transaction: executemany on SQLite, COPY on PostgreSQL."""
    with workspace.write() as conn:
        ensure_places(conn)
        if workspace.dialect == "sqlite":
            raw = conn.connection.dbapi_connection
            assert isinstance(raw, sqlite3.Connection)
            for table in ORDER:
                cols = COLUMNS[table]
                raw.executemany(
                    f'INSERT INTO "{table}" ({", ".join(cols)}) '
                    f"VALUES ({', '.join('?' for _ in cols)})",
                    rows[table],
                )
            return
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        raw_pg: Any = conn.connection.dbapi_connection
        with raw_pg.cursor() as cursor:
            for table in ORDER:
                cols = COLUMNS[table]
                buffer = io.StringIO()
                for row in rows[table]:
                    buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
                buffer.seek(0)
                with cursor.copy(f'COPY "{table}" ({", ".join(cols)}) FROM STDIN') as copy:
                    while chunk := buffer.read(1 << 20):
                        copy.write(chunk)
        conn.execute(text("ANALYZE"))
