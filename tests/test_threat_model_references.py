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
# The actors and assets issue 7 lists: each needs a row of its own.
ACTORS = (
    "researcher",
    "analyst",
    "admin",
    "stolen laptop",
    "seized",
    "curious insider",
    "hostile state actor",
    "malicious or broken upload",
    "after a report was erased",
    "backup file",
    "lost, seized or broken machine",
)
ASSETS = (
    "Names, notes and report text",
    "Sources and their contacts",
    "The network of who knows whom",
    "Keys",
    "Integrity of the record",
)
# Promises the issue asks to be proven by these tests: the doc must name them.
REQUIRED = (
    "tests/store/test_crash_safety.py::test_an_import_killed_at_random_moments_loses_nothing_acknowledged",
    "tests/store/test_backup.py::test_a_restore_gives_back_every_value_and_the_audit_chain_on_either_engine",
    "tests/store/test_backup.py::test_a_backup_taken_during_imports_is_a_consistent_snapshot",
    "tests/intake/test_deletion.py::test_deleted_ciphertexts_are_gone_from_the_postgresql_relation_files",
    "tests/intake/test_deletion.py::test_delete_report_from_the_command_line",
    "tests/intake/test_export.py::test_names_are_exported_only_when_asked_and_the_read_is_audited",
    "tests/web/test_concurrent_edits.py::test_twenty_concurrent_writers_lose_no_update_and_the_losers_get_409",
    "tests/web/test_api_fuzz.py::test_every_api_operation_survives_generated_requests_from_every_role",
)


def functions_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}


def table_rows(columns: int) -> list[list[str]]:
    """Body rows (not header, not separator) of the doc's tables with `columns` columns."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    rows = []
    for i, line in enumerate(lines):
        if not line.startswith("| ") or line.count("|") != columns + 1:
            continue
        is_header = i + 1 < len(lines) and lines[i + 1].startswith("| ---")
        if is_header or line.startswith("| ---"):
            continue
        rows.append([cell.strip() for cell in line.split("|")[1:-1]])
    return rows


def test_every_test_the_threat_model_names_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    named = NAMED_TEST.findall(text)
    files = NAMED_FILE.findall(text)
    assert len(named) > 20, "the threat model should name the tests behind its promises"
    missing = [f"{p}::{n}" for p, n in named if n not in functions_in(ROOT / p)]
    missing += [p for p in files if not (ROOT / p).is_file()]
    assert missing == [], f"docs/threat-model.md names tests that do not exist: {missing}"


def test_every_reference_names_a_test_function_not_only_a_file() -> None:
    assert NAMED_FILE.findall(DOC.read_text(encoding="utf-8")) == []


def test_every_actor_and_asset_row_names_at_least_one_test() -> None:
    rows = table_rows(4)  # actor | can get | what stops more | tests; asset | ... | tests
    assert len(rows) >= len(ACTORS) + len(ASSETS), "actor or promise rows are missing"
    untested = [r[0] for r in rows if not NAMED_TEST.search(r[3])]
    assert untested == [], f"promises without a test: {untested}"


def test_every_actor_and_asset_of_the_issue_has_its_row() -> None:
    first_cells = [r[0] for r in table_rows(4)]
    for name in (*ACTORS, *ASSETS):
        assert any(name.lower() in cell.lower() for cell in first_cells), name


def test_the_tests_the_issue_requires_are_named() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [ref for ref in REQUIRED if f"`{ref}`" not in text]
    assert missing == [], missing
