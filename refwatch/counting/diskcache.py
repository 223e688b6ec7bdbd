"""The evidence arrays on disk, so a new process need not read a large workspace again.

Why: reading a million persons' evidence from the database takes about a minute; a command
line count starts a new process each time. When a load took long, the arrays are saved in
the workspace folder (`cache/counting-evidence.npz`, readable by the owner only) with the
audit-chain position they were read at, and the next process uses them if the evidence has
not changed since (the same test as the in-memory cache). The file holds exactly what the
counting engine holds in memory: pseudonymous ids, dates, codes — never a name, a note,
report text or a contact. Deleting it is always safe.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from refwatch.counting.evidence import RULES_KEY, Evidence, SourceInfo
from refwatch.store.workspace import Workspace

CACHE_DIR = "cache"
CACHE_FILE = "counting-evidence.npz"
MIN_SECONDS = 2.0
"""Only loads slower than this are worth a file."""
FORMAT = 2
"""Version 2 keeps each list of ids as its UTF-8 text and the lengths of its items: as a
NumPy string array, a million 32-character mention ids took 141 MB (four bytes a
character) and 1.4 s to read back. A file of another version is not read."""
_LISTS = ("person_ids", "mention_ids", "places")


def cache_path(workspace: Workspace) -> Path:
    return workspace.path / CACHE_DIR / CACHE_FILE


def save(workspace: Workspace, evidence: Evidence, clock: tuple[int, str]) -> None:
    """Write the arrays atomically; a failure to write only costs the next load."""
    path = cache_path(workspace)
    arrays: dict[str, Any] = {}
    for field in dataclasses.fields(evidence):
        value = getattr(evidence, field.name)
        if isinstance(value, np.ndarray):
            arrays[field.name] = value
    for name in _LISTS:
        arrays[f"{name}.text"], arrays[f"{name}.lengths"] = _packed(getattr(evidence, name))
    meta = {
        "format": FORMAT,
        "rules": RULES_KEY,
        "clock": list(clock),
        "snapshot_hash": evidence.snapshot_hash,
        "link_runs": list(evidence.link_runs),
        "sources": [dataclasses.asdict(s) for s in evidence.sources],
    }
    arrays["meta"] = np.array(json.dumps(meta))
    try:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
            np.savez(f, **arrays)
        os.replace(temporary, path)
    except OSError:
        return


def load(workspace: Workspace) -> tuple[Evidence, tuple[int, str]] | None:
    """The saved arrays and the audit position they were read at, if a usable file exists."""
    path = cache_path(workspace)
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != FORMAT or meta["rules"] != RULES_KEY:
                return None
            values: dict[str, Any] = {}
            for field in dataclasses.fields(Evidence):
                if field.name in _LISTS:
                    name = field.name
                    values[name] = _unpacked(data[f"{name}.text"], data[f"{name}.lengths"])
                elif field.name not in ("sources", "link_runs", "snapshot_hash"):
                    values[field.name] = data[field.name]
    except (OSError, ValueError, KeyError):
        return None
    evidence = Evidence(
        **values,
        sources=[SourceInfo(**s) for s in meta["sources"]],
        link_runs=tuple(meta["link_runs"]),
        snapshot_hash=meta["snapshot_hash"],
    )
    return evidence, (int(meta["clock"][0]), str(meta["clock"][1]))


def _packed(items: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """A list of ids as (UTF-8 bytes of them all, each one's length in characters).

    Each id is taken as text, as the string arrays of format 1 took it; "surrogatepass"
    lets any Python text through and back unchanged."""
    texts = [str(item) for item in items]
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    encoded = "".join(texts).encode("utf-8", "surrogatepass")
    return np.frombuffer(encoded, dtype=np.uint8), lengths


def _unpacked(text: np.ndarray, lengths: np.ndarray) -> list[str]:
    """The list `_packed` was given, as texts."""
    whole = text.tobytes().decode("utf-8", "surrogatepass")
    if len(whole) != int(lengths.sum()):
        raise ValueError("the saved ids do not match their lengths")
    ends = np.cumsum(lengths).tolist()
    starts = [0, *ends[:-1]] if ends else []
    return [whole[start:end] for start, end in zip(starts, ends, strict=True)]
