"""The web app offers none of the evidence exports (mentions, persons, events; CSV, JSON
Lines, HURIDOCS ESF, Uwazi): names leave only through `refwatch export --include-names`,
with the passphrase, the consent check and the audit entry. A web export added later
fails here first, so that it comes with its own role rows and names tests."""

from __future__ import annotations

import ast
from pathlib import Path

import refwatch.web

EXPORT_MODULES = {
    "refwatch.intake.export",
    "refwatch.intake.huridocs",
    "refwatch.intake.uwazi_export",
}


def test_no_web_module_imports_an_evidence_export() -> None:
    root = Path(refwatch.web.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            if EXPORT_MODULES & set(names):
                found.append(str(path.relative_to(root)))
    assert found == []
