"""The restore drill: prove that a backup restores, without touching any workspace.

Why: a backup that was never restored is a hope, not a backup. `refwatch restore
--verify-only FILE` reads the sealed stream and counts its rows per table, restores the
file into a scratch folder that it deletes afterwards (a private temporary folder, or one
the operator chooses, e.g. on tmpfs), walks the restored audit chain from its first entry,
and compares the restored tables with the stream, table by table. Nothing is written to
the live workspace, and the live database is never opened: the drill can run on another
machine, which is where it proves the most.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from refwatch.store import migrate
from refwatch.store.backup import backup_row_counts, restore_backup
from refwatch.store.keys import Secret
from refwatch.store.schema import Base
from refwatch.store.workspace import open_workspace

RESTORE_ENTRIES = 1
"""Audit entries the restore itself adds (`backup.restore`)."""


@dataclass
class DrillReport:
    ok: bool
    backup: str
    workspace_id: str
    revision: str
    rows: int
    tables: dict[str, int] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)
    audit_entries: int = 0
    audit_ok: bool = False
    problem: str | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify_backup(backup: Path, secret: Secret, scratch: Path | None = None) -> DrillReport:
    """Restore `backup` into a scratch folder, check it, delete it; the report says how it
    went (`ok`), and why not (`problem`, `mismatches`)."""
    started = time.perf_counter()
    workspace_id, revision, counts = backup_row_counts(backup, secret)
    report = DrillReport(
        ok=False,
        backup=str(backup),
        workspace_id=workspace_id,
        revision=revision,
        rows=sum(counts.values()),
        tables=dict(sorted(counts.items())),
    )
    with tempfile.TemporaryDirectory(prefix="refwatch-drill-", dir=scratch) as tmp:
        target = Path(tmp) / "restored"
        restore_backup(backup, target, secret, actor="restore-drill")
        with open_workspace(target, upgrade=False) as restored:
            chain = restored.verify_audit()
            report.audit_entries = chain.entries
            report.audit_ok = chain.ok
            if not chain.ok:
                report.problem = chain.problem
            migrated = revision != migrate.head_revision()
            with restored.read() as conn:
                for table in Base.metadata.sorted_tables:
                    expected = counts.get(table.name, 0)
                    if table.name == "audit_entries":
                        expected += RESTORE_ENTRIES
                    if table.name in ("audit_head", "alembic_version"):
                        continue
                    found = conn.execute(select(func.count()).select_from(table)).scalar_one()
                    if found != expected and not (migrated and found > expected):
                        report.mismatches.append(
                            f"{table.name}: {found} rows restored, {expected} in the backup"
                        )
    report.ok = report.audit_ok and not report.mismatches
    if report.mismatches and report.problem is None:
        report.problem = "the restored tables differ from the backup"
    report.seconds = round(time.perf_counter() - started, 2)
    return report


@dataclass
class UpgradeReport:
    upgraded: bool
    from_revision: str | None
    to_revision: str
    backup: str | None = None
    drill: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def upgrade_workspace(
    path: Path,
    db_url: str | None,
    secret: Secret,
    backup_file: Path,
    actor: str,
    scratch: Path | None = None,
) -> UpgradeReport:
    """Bring the schema to head, after a backup that restores: the only way a workspace
    with data is migrated.

    Order: back up to `backup_file` (a new file); restore it into a scratch folder and
    check it (`verify_backup`); make sure nothing was written meanwhile (the audit head is
    still the backup's own entry; else the server is still running); migrate; record the
    upgrade in the audit chain. Any failure before the migration leaves the schema as it
    was."""
    from refwatch.domain.errors import WorkspaceError
    from refwatch.store import audit
    from refwatch.store.backup import create_backup

    head = migrate.head_revision()
    with open_workspace(path, db_url, upgrade=False) as workspace:
        current = migrate.current_revision(workspace.engine)
        if current == head:
            return UpgradeReport(False, current, head)
        create_backup(workspace, secret, backup_file, actor)
        with workspace.read() as conn:
            after_backup = audit.head(conn)
        report = verify_backup(backup_file, secret, scratch)
        if not report.ok:
            raise WorkspaceError(
                f"the backup taken before the upgrade does not restore cleanly "
                f"({report.problem}); nothing was migrated"
            )
        with workspace.read() as conn:
            if audit.head(conn) != after_backup:
                raise WorkspaceError(
                    "the workspace changed while it was being backed up (is the server still "
                    "running?); nothing was migrated: stop it and run the upgrade again"
                )
        migrate.upgrade(workspace.engine)
        workspace.audit_log(
            actor,
            "schema.upgrade",
            details={"from": current, "to": head, "backup": backup_file.name},
        )
    return UpgradeReport(True, current, head, str(backup_file), report.as_dict())
