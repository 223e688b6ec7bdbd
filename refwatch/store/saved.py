"""Things the workspace keeps as folders of their own: `<root>/<random id>/` with a JSON
record of what is in it (fact sheets and releases, `refwatch.publish.artifacts`; the
share pages' encodings).

Why one module: each of them is written once into a new owner-only folder, read back by
its id and listed newest first from its records, and an id that is not an id must never
reach the file system (a path trick). The rule is the same for all of them, so it is
written once here.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SAVED_ID = re.compile(r"^[0-9a-f]{24}$")
LISTED = 20


def now_text() -> str:
    """The moment a record says it was made ("2026-12-07 01:02:03 UTC")."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def new_folder(root: Path) -> tuple[str, Path]:
    """A new owner-only folder under `root` (made if need be) and its random id."""
    root.mkdir(mode=0o700, exist_ok=True)
    saved_id = secrets.token_hex(12)
    folder = root / saved_id
    folder.mkdir(mode=0o700)
    return saved_id, folder


def load_record(root: Path, saved_id: str, record: str) -> dict[str, Any] | None:
    """The record (file name `record`) of the folder `saved_id`, or None: not an id,
    never made, deleted meanwhile, or not a record."""
    if not SAVED_ID.match(saved_id):
        return None
    try:
        text = (root / saved_id / record).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    data = json.loads(text)
    return data if isinstance(data, dict) else None


def recent_records(
    root: Path, record: str, keep: Callable[[dict[str, Any]], bool] = lambda _: True
) -> list[dict[str, Any]]:
    """The latest `LISTED` records under `root` that `keep` accepts, newest first."""
    if not root.is_dir():
        return []
    found = [load_record(root, folder.name, record) for folder in root.iterdir()]
    listed = [r for r in found if r is not None and keep(r)]
    listed.sort(key=lambda r: str(r["created_at"]), reverse=True)
    return listed[:LISTED]
