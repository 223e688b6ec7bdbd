#!/usr/bin/env python3
"""One RefWatch backup, proved by a restore drill, then rotation of the old ones.

Run by refwatch-backup.service (daily, from refwatch-backup.timer). The backup is
`refwatch backup` (encrypted, integrity-checked, owner-only); with --drill it is restored
into a scratch folder and checked (`refwatch restore --verify-only`) before anything old
is deleted. Rotation keeps the newest backup of each of the last --daily days, --weekly
ISO weeks and --monthly months (grandfather-father-son), and always the newest one; it
deletes only files this script names (refwatch-YYYYMMDDTHHMMSSZ.rwbackup). If the backup
or the drill fails, nothing is deleted and the exit status is not 0, so systemd marks the
unit failed (and `refwatch doctor` will report the backup's age).

    refwatch-backup.py --dir /var/backups/refwatch [--daily 7] [--weekly 5] [--monthly 12]
                       [--drill] [--refwatch /opt/refwatch/.venv/bin/refwatch]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

PATTERN = re.compile(r"^refwatch-(\d{8}T\d{6}Z)\.rwbackup$")
STAMP = "%Y%m%dT%H%M%SZ"


def backup_name(moment: datetime) -> str:
    return f"refwatch-{moment.astimezone(UTC).strftime(STAMP)}.rwbackup"


def taken_at(name: str) -> datetime | None:
    found = PATTERN.match(name)
    if found is None:
        return None
    return datetime.strptime(found.group(1), STAMP).replace(tzinfo=UTC)


def to_keep(names: list[str], daily: int, weekly: int, monthly: int) -> set[str]:
    """The backups rotation keeps: the newest of each of the latest `daily` days, `weekly`
    ISO weeks and `monthly` months that have a backup, and the newest overall. Names that
    are not this script's backups are never considered (so never deleted)."""
    dated = sorted(
        ((when, name) for name in names if (when := taken_at(name)) is not None), reverse=True
    )
    keep: set[str] = set()
    if dated:
        keep.add(dated[0][1])
    for count, period in (
        (daily, lambda d: d.strftime("%Y-%m-%d")),
        (weekly, lambda d: f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}"),
        (monthly, lambda d: d.strftime("%Y-%m")),
    ):
        seen: set[str] = set()
        for when, name in dated:  # newest first: the first of each period is its newest
            key = period(when)
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.add(key)
            keep.add(name)
    return keep


def to_delete(names: list[str], daily: int, weekly: int, monthly: int) -> list[str]:
    keep = to_keep(names, daily, weekly, monthly)
    return sorted(n for n in names if taken_at(n) is not None and n not in keep)


def default_refwatch() -> str:
    beside = Path(sys.executable).with_name("refwatch")
    return str(beside) if beside.exists() else "refwatch"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--daily", type=int, default=7)
    parser.add_argument("--weekly", type=int, default=5)
    parser.add_argument("--monthly", type=int, default=12)
    parser.add_argument("--drill", action="store_true", help="restore-check the new backup")
    parser.add_argument("--refwatch", default=default_refwatch())
    args = parser.parse_args(argv)
    args.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = args.dir / backup_name(datetime.now(UTC))
    made = subprocess.run([args.refwatch, "backup", str(target)], check=False)  # noqa: S603
    if made.returncode != 0:
        target.unlink(missing_ok=True)
        print("backup failed; nothing rotated", file=sys.stderr)
        return 1
    if args.drill:
        drill = [args.refwatch, "restore", "--verify-only", str(target)]
        if subprocess.run(drill, check=False).returncode != 0:  # noqa: S603
            print(f"the restore drill failed for {target.name}; nothing rotated", file=sys.stderr)
            return 1
    names = [p.name for p in args.dir.iterdir() if p.is_file()]
    for name in to_delete(names, args.daily, args.weekly, args.monthly):
        (args.dir / name).unlink()
        print(f"rotated out {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
