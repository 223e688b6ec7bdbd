"""`refwatch doctor`: is this installation safe to run? Each check passes, warns or fails
with one plain reason.

Why a checklist in code: the things that lose or leak a documentation team's data are
rarely bugs; they are a folder other users can read, a keyfile copied next to the
database, HTTP without TLS, a backup job that stopped a month ago, a database told not to
flush to disk, a full disk. An operator runs this after installing, after every change,
and from monitoring (`--json`; the exit status is 1 when a check fails).

What it never says: a passphrase, a key, a password in a database URL, a name. Reasons
name files, settings and ages only.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from sqlalchemy import Connection, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from refwatch.store import migrate
from refwatch.store.schema import AuditEntry, table_of
from refwatch.store.timeutil import now_utc, utc
from refwatch.store.workspace import PRIVATE_FILES, Workspace

Level = Literal["pass", "warn", "fail"]
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
BACKUP_WARN = timedelta(hours=36)
BACKUP_FAIL = timedelta(days=7)
DISK_FAIL_BYTES = 1 << 30
DISK_FAIL_FRACTION = 0.05
DISK_WARN_FRACTION = 0.10
entries = table_of(AuditEntry)


@dataclass(frozen=True)
class Check:
    name: str
    level: Level
    reason: str


@dataclass(frozen=True)
class DoctorInput:
    """What the installation says about itself (from flags, environment, credentials)."""

    keyfile: Path | None = None
    passphrase_in_environment: bool = False
    public_url: str | None = None
    behind_proxy: bool = False
    now: datetime | None = None


def worst(checks: list[Check]) -> Level:
    levels = {c.level for c in checks}
    return "fail" if "fail" in levels else "warn" if "warn" in levels else "pass"


def as_dicts(checks: list[Check]) -> list[dict[str, Any]]:
    return [asdict(c) for c in checks]


def _open_to_others(path: Path) -> bool:
    return bool(os.stat(path).st_mode & 0o077)


def check_permissions(workspace: Workspace) -> Check:
    """The workspace folder and its files: the owner's only, owned by whoever runs this."""
    loose = [
        name
        for name in (".", *PRIVATE_FILES)
        if (workspace.path / name).exists() and _open_to_others(workspace.path / name)
    ]
    if loose:
        return Check(
            "permissions",
            "fail",
            f"readable or writable by other users: {', '.join(loose)} in {workspace.path} "
            "(chmod 700 the folder and 600 its files)",
        )
    owner = os.stat(workspace.path).st_uid
    if owner != os.getuid():
        return Check(
            "permissions",
            "warn",
            f"the workspace folder belongs to uid {owner}, not to this user ({os.getuid()})",
        )
    return Check("permissions", "pass", "the workspace folder and its files are owner-only")


def check_key(workspace: Workspace, given: DoctorInput) -> Check:
    """The keyfile lives outside the workspace, owner-only; a passphrase is not left in
    the environment."""
    if given.keyfile is not None:
        keyfile = given.keyfile
        try:
            info = os.stat(keyfile)
        except OSError:
            return Check("key", "fail", f"the keyfile {keyfile} cannot be read")
        root = workspace.path.resolve()
        if root == keyfile.resolve() or root in keyfile.resolve().parents:
            return Check(
                "key",
                "fail",
                f"the keyfile {keyfile} is inside the workspace folder: a copy of the folder "
                "would open everything; move it elsewhere",
            )
        if info.st_mode & 0o077 or not stat.S_ISREG(info.st_mode):
            return Check(
                "key", "fail", f"the keyfile {keyfile} is readable by other users (chmod 600)"
            )
        return Check("key", "pass", "the keyfile is outside the workspace and owner-only")
    if given.passphrase_in_environment:
        return Check(
            "key",
            "warn",
            "the passphrase is in the environment (REFWATCH_PASSPHRASE), where child "
            "processes and /proc show it; use a systemd credential or a keyfile",
        )
    return Check("key", "warn", "no keyfile given: the key's location was not checked (--keyfile)")


def check_tls(given: DoctorInput) -> Check:
    """Sessions use Secure cookies: anyone but a loopback user must come over HTTPS."""
    if given.public_url:
        parts = urlsplit(given.public_url)
        if parts.scheme == "https":
            return Check("tls", "pass", "the public address uses HTTPS")
        if (parts.hostname or "") in LOOPBACK:
            return Check("tls", "warn", "the public address is loopback only, without HTTPS")
        return Check(
            "tls",
            "fail",
            "the public address uses plain HTTP: passwords and names would cross the "
            "network in clear; put Caddy (docs/deploy.md) in front",
        )
    if given.behind_proxy:
        return Check("tls", "pass", "served behind a TLS proxy (as configured)")
    return Check(
        "tls",
        "warn",
        "no public address configured: set REFWATCH_PUBLIC_URL (https://…) so this can be checked",
    )


def last_backup(conn: Connection) -> datetime | None:
    found = conn.execute(
        select(entries.c.at)
        .where(entries.c.action == "backup.create")
        .order_by(entries.c.seq.desc())
        .limit(1)
    ).scalar_one_or_none()
    if found is None:
        return None
    return utc(datetime.fromisoformat(str(found).replace("Z", "+00:00")))


def _age(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} hours" if hours < 48 else f"{hours / 24:.0f} days"


def check_backup(workspace: Workspace, given: DoctorInput) -> Check:
    """The newest `refwatch backup` (its audit entry) is recent."""
    with workspace.read() as conn:
        when = last_backup(conn)
    if when is None:
        return Check("backup", "fail", "no backup was ever made of this workspace")
    age = (given.now or now_utc()) - when
    if age > BACKUP_FAIL:
        return Check("backup", "fail", f"the last backup is {_age(age)} old")
    if age > BACKUP_WARN:
        return Check("backup", "warn", f"the last backup is {_age(age)} old")
    return Check("backup", "pass", f"the last backup is {_age(age)} old")


def sqlite_settings(conn: Connection) -> dict[str, str]:
    return {
        name: str(conn.exec_driver_sql(f"PRAGMA {name}").scalar_one()).lower()
        for name in ("journal_mode", "synchronous", "foreign_keys")
    }


PG_SETTINGS = ("fsync", "synchronous_commit", "full_page_writes")


def postgres_settings(conn: Connection) -> dict[str, str]:
    found = {name: str(conn.exec_driver_sql(f"SHOW {name}").scalar_one()) for name in PG_SETTINGS}
    ssl = conn.execute(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
    found["ssl"] = "on" if ssl.scalar_one_or_none() else "off"
    return found


def judge_sqlite(settings: dict[str, str]) -> Check:
    """WAL (readers never block the writer) and synchronous=FULL (2): a commit survives a
    power cut."""
    problems = []
    if settings.get("journal_mode") != "wal":
        problems.append(f"journal_mode is {settings.get('journal_mode')}, not wal")
    if settings.get("synchronous") not in ("2", "3", "full", "extra"):
        problems.append(f"synchronous is {settings.get('synchronous')}, not FULL")
    if settings.get("foreign_keys") not in ("1", "on"):
        problems.append("foreign keys are off")
    if problems:
        return Check("database", "fail", "SQLite: " + "; ".join(problems))
    return Check("database", "pass", "SQLite: WAL, synchronous=FULL, foreign keys on")


def judge_postgres(settings: dict[str, str], host: str | None) -> Check:
    """fsync and full_page_writes on (else a crash can corrupt the database),
    synchronous_commit not off (else the last commits can vanish), TLS to a remote server."""
    fails, warns = [], []
    for name in ("fsync", "full_page_writes"):
        if settings.get(name) != "on":
            fails.append(f"{name} is {settings.get(name)}")
    commit = settings.get("synchronous_commit")
    if commit == "off":
        fails.append("synchronous_commit is off")
    elif commit not in ("on", "remote_apply"):
        warns.append(f"synchronous_commit is {commit}")
    local = host is None or host in LOOPBACK or host.startswith("/")
    if settings.get("ssl") != "on":
        (warns if local else fails).append(
            "the connection is not encrypted" + (" (a local server)" if local else "")
        )
    if fails:
        return Check("database", "fail", "PostgreSQL: " + "; ".join(fails + warns))
    if warns:
        return Check("database", "warn", "PostgreSQL: " + "; ".join(warns))
    return Check(
        "database", "pass", "PostgreSQL: fsync, full_page_writes, synchronous_commit on; TLS"
    )


def check_database(workspace: Workspace) -> Check:
    try:
        with workspace.read() as conn:
            if workspace.dialect == "sqlite":
                return judge_sqlite(sqlite_settings(conn))
            host = make_url(workspace.url).host
            return judge_postgres(postgres_settings(conn), host)
    except SQLAlchemyError as exc:
        # The class only: a driver's message can name the host, user or schema.
        return Check("database", "fail", f"the database cannot be read ({type(exc).__name__})")


def check_schema(workspace: Workspace) -> Check:
    """The schema is at this RefWatch's head (else nothing opens it until the upgrade)."""
    try:
        current = migrate.current_revision(workspace.engine)
    except SQLAlchemyError as exc:
        return Check("schema", "fail", f"the schema cannot be read ({type(exc).__name__})")
    head = migrate.head_revision()
    if current == head:
        return Check("schema", "pass", f"the schema is at this version's revision {head}")
    return Check(
        "schema",
        "fail",
        f"the schema is at revision {current}, this RefWatch needs {head}: stop the server "
        "and run `refwatch upgrade --backup FILE`",
    )


DiskUsage = Callable[[Path], tuple[int, int, int]]


def check_disk(workspace: Workspace, usage: DiskUsage | None = None) -> Check:
    """Room for the database to grow, its WAL, a backup, a fact sheet."""
    total, _, free = (usage or shutil.disk_usage)(workspace.path)
    share = free / total if total else 0.0
    said = f"{free / (1 << 30):.1f} GiB free ({share:.0%})"
    if free < DISK_FAIL_BYTES or share < DISK_FAIL_FRACTION:
        return Check("disk", "fail", f"{said} where the workspace is")
    if share < DISK_WARN_FRACTION:
        return Check("disk", "warn", f"{said} where the workspace is")
    return Check("disk", "pass", said)


def run_checks(
    workspace: Workspace, given: DoctorInput, *, disk_usage: DiskUsage | None = None
) -> list[Check]:
    return [
        check_permissions(workspace),
        check_key(workspace, given),
        check_tls(given),
        check_backup(workspace, given),
        check_database(workspace),
        check_schema(workspace),
        check_disk(workspace, disk_usage),
    ]
