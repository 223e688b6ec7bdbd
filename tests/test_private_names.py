"""No module imports another module's private names: what one module needs from another
is public there, so a rename inside a module cannot silently break its neighbours. This
holds across rooms and inside a room alike, without exception."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "refwatch"


def _module_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _private_imports() -> list[tuple[str, str, str]]:
    """(importing file, its room, module.name) for each private name imported from another
    module of the package (dunders such as __version__ are not private)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = _module_of(path)
        room = path.relative_to(PACKAGE).parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.module or node.level:
                continue
            if node.module.split(".")[0] != "refwatch" or node.module == here:
                continue
            found += [
                (str(path.relative_to(PACKAGE)), room, f"{node.module}.{alias.name}")
                for alias in node.names
                if alias.name.startswith("_") and not alias.name.startswith("__")
            ]
    return found


def _room_of(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 2 else ""


def test_no_private_name_is_imported_across_rooms() -> None:
    crossing = [
        f"{file}: {name}" for file, room, name in _private_imports() if _room_of(name) != room
    ]
    assert crossing == []


def test_no_file_imports_a_private_name_of_another_module() -> None:
    inside = [
        f"{file}: {name}" for file, room, name in _private_imports() if _room_of(name) == room
    ]
    assert inside == []


def test_no_file_imports_from_its_package_relatively() -> None:
    """A relative import hides which module a name comes from from the checks above."""
    relative = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.level
    ]
    assert relative == []
