"""docs/development.md's map of the package is the package: a room added, removed or
renamed without the map fails here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_development_guide_lists_exactly_the_rooms_of_the_package() -> None:
    guide = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    block = guide.split("```\nrefwatch/\n", 1)[1].split("```", 1)[0]
    listed = {
        match.group(1)
        for line in block.splitlines()
        if (match := re.match(r"^  (\w+)/\s", line)) is not None
    }
    rooms = {
        path.parent.name
        for path in (ROOT / "refwatch").glob("*/__init__.py")
    }
    assert listed == rooms, (sorted(listed - rooms), sorted(rooms - listed))
