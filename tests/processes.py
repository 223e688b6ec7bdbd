"""The processes a test started, found in /proc (for tests of servers and of systemd)."""

from __future__ import annotations

from pathlib import Path


def children(parent: int, marker: bytes) -> list[int]:
    """The direct children of `parent` whose command line contains `marker`, sorted."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:  # the process ended while we looked
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and marker in cmdline:
            found.append(int(entry.name))
    return sorted(found)
