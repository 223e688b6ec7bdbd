"""docs/threat-model.md names the test behind every promise; a renamed or deleted test
must not leave a promise pointing at nothing."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "threat-model.md"
NAMED_TEST = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
NAMED_FILE = re.compile(r"`(tests/[\w/]+\.py)`")


def functions_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}


def test_every_test_the_threat_model_names_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    named = NAMED_TEST.findall(text)
    files = NAMED_FILE.findall(text)
    assert len(named) > 20, "the threat model should name the tests behind its promises"
    missing = [f"{p}::{n}" for p, n in named if n not in functions_in(ROOT / p)]
    missing += [p for p in files if not (ROOT / p).is_file()]
    assert missing == [], f"docs/threat-model.md names tests that do not exist: {missing}"


def test_every_actor_row_names_at_least_one_test() -> None:
    rows = [
        line
        for line in DOC.read_text(encoding="utf-8").splitlines()
        if line.startswith("| ") and line.count("|") == 5 and not line.startswith("| actor")
    ]
    actors = [r for r in rows if not r.startswith("| ---")]
    assert actors, "no actor rows found"
    untested = [r.split("|")[1].strip() for r in actors if "tests/" not in r.split("|")[4]]
    assert untested == [], f"promises without a test: {untested}"
