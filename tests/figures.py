"""Figures that tests measure (kill points survived, writers held, inputs fuzzed...),
printed at the end of the run so the closing note quotes what CI actually did.

Why a file and not `print`: under `pytest -n auto` a worker's output is swallowed, and
`record_property` only reaches JUnit XML. Each worker appends JSON lines to one file named
by the controller (an environment variable the workers inherit); the controller prints
them in its terminal summary.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ENV = "REFWATCH_TEST_FIGURES"


def record(test: str, figure: str, value: int | float | str) -> None:
    """Remember one figure of one test (safe from any xdist worker)."""
    target = os.environ.get(ENV)
    if not target:
        return
    line = json.dumps({"test": test, "figure": figure, "value": value}, ensure_ascii=False)
    with Path(target).open("a", encoding="utf-8") as out:
        out.write(line + "\n")


def read(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
