"""No room imports another room's private names: what one room needs from another is
public there, so a rename inside a room cannot silently break its neighbours."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "refwatch"


def test_no_private_name_is_imported_across_rooms() -> None:
    crossing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        room = path.relative_to(PACKAGE).parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            parts = node.module.split(".")
            if parts[0] != "refwatch" or len(parts) < 2 or parts[1] == room:
                continue
            crossing += [
                f"{path.relative_to(PACKAGE)}: {node.module}.{alias.name}"
                for alias in node.names
                if alias.name.startswith("_")
            ]
    assert crossing == []
