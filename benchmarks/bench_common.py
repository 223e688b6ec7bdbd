"""What several benchmarks need: a case list from a synthetic world, a fresh workspace,
and a timed call. Benchmarks run as scripts, so this folder is on their import path."""

from __future__ import annotations

import csv
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from refwatch.domain.caserecord import CASE_COLUMNS
from refwatch.simulate.world import simulate_world
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import Secret
from refwatch.store.workspace import Workspace, init_workspace

SECRET = Secret(passphrase="benchmark passphrase")


def build_case_list(folder: Path, rows: int) -> Path:
    """One CSV of at most `rows` rows from a synthetic world's source lists."""
    world = simulate_world(folder / "world", people=int(rows * 0.8), sources=4, seed=7)
    out = folder / "caselist.csv"
    written = 0
    with open(out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(CASE_COLUMNS))
        writer.writeheader()
        for path in world.case_lists:
            with open(path, encoding="utf-8", newline="") as source:
                for record in csv.DictReader(source):
                    if written < rows:
                        writer.writerow(record)
                        written += 1
    return out


def workspace(folder: Path) -> tuple[Workspace, FieldCipher]:
    ws = init_workspace(folder / f"ws-{uuid.uuid4().hex[:6]}", SECRET)
    return ws, FieldCipher(ws.unlock(SECRET))


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result
