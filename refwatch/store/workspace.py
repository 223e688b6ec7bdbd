"""A workspace: one database (a SQLite file here, or a PostgreSQL schema) and its settings.

The folder holds `workspace.json` (where the database is; never a key or a password), the
SQLite database when that is the engine, and `audit-anchor.json` (the last audit link,
kept outside the database so truncating the chain shows). Key material never lives here:
the wrapped data key is in the database and the secret that unwraps it is the user's.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from refwatch.domain.errors import StorageError, WorkspaceError
from refwatch.store import audit, changes, migrate
from refwatch.store.database import (
    check_schema_name,
    create_db_engine,
    create_pg_schema,
    is_sqlite,
    sqlite_url,
)
from refwatch.store.keys import (
    KdfParams,
    KeyRing,
    Secret,
    check_keyfile_outside,
    derive_kek,
    new_data_key,
    unwrap_key,
    wrap_key,
)
from refwatch.store.schema import DataKey, WorkspaceMeta, table_of

log = logging.getLogger(__name__)

CONFIG_FILE = "workspace.json"
ANCHOR_FILE = "audit-anchor.json"
SQLITE_FILE = "refwatch.db"
FORMAT = 1

keys_table = table_of(DataKey)
meta_table = table_of(WorkspaceMeta)


@dataclass(frozen=True)
class WorkspaceConfig:
    workspace_id: str
    db_url: str | None
    schema: str | None
    created_at: str

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "workspace_id": self.workspace_id,
                "db_url": self.db_url,
                "schema": self.schema,
                "created_at": self.created_at,
            },
            indent=2,
        )


OWNER_ONLY_DIR = 0o700
OWNER_ONLY_FILE = 0o600


def make_private_dir(path: Path) -> None:
    """Create `path` (and missing parents) readable by its owner only; an existing folder
    is narrowed to the owner as well."""
    path.mkdir(parents=True, exist_ok=True, mode=OWNER_ONLY_DIR)
    os.chmod(path, OWNER_ONLY_DIR)


@contextmanager
def private_umask() -> Iterator[None]:
    """While inside, every file and folder this process creates is its owner's only (the
    SQLite database, its -wal and -shm files, backups, fact sheets). The umask is
    process-wide: the previous one is put back on the way out."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def atomic_write(path: Path, content: str) -> None:
    """Write a small owner-only file whole or not at all (a temporary file, then a rename);
    the backup's restore writes the workspace config through it too."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY_FILE)
    with open(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class Workspace:
    """An open workspace. Reading structured data needs no key; protected values need
    `unlock`. Use `write()` for every change so the audit anchor follows the chain."""

    def __init__(self, path: Path, config: WorkspaceConfig, db_url: str | None = None) -> None:
        self.path = path
        self.config = config
        self.url = db_url or config.db_url or sqlite_url(path / SQLITE_FILE)
        self.schema = None if is_sqlite(self.url) else config.schema
        self.engine: Engine = create_db_engine(self.url, self.schema)

    @property
    def workspace_id(self) -> str:
        return self.config.workspace_id

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- transactions -------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction; on success the audit anchor outside the database moves on.

        A failure of the database itself (disk full, I/O error, lost server) becomes a
        StorageError saying so; the transaction is rolled back either way."""
        actions: list[str] = []
        try:
            with self.engine.begin() as conn:
                conn.info[changes.ACTIONS_KEY] = actions
                try:
                    yield conn
                    new_head = audit.head(conn)
                finally:
                    conn.info.pop(changes.ACTIONS_KEY, None)
        except OperationalError as exc:
            reason = str(exc.orig).splitlines()[0] if exc.orig is not None else "unknown"
            raise StorageError(
                f"the database could not be written ({reason}); the change was rolled back "
                "and nothing of it was kept"
            ) from None
        self._advance_anchor(new_head)
        changes.notify(self, actions)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only look (a deferred transaction on SQLite, so writers are not held up)."""
        with self.engine.connect() as conn:
            conn.execution_options(refwatch_readonly=True)
            yield conn

    # -- audit anchor ---------------------------------------------------------------------
    def audit_log(self, actor: str, action: str, **kwargs: Any) -> int:
        """Log one audit record in a transaction of its own (`audit.log` names the fields)."""
        with self.write() as conn:
            return audit.log(conn, actor, action, **kwargs)

    def anchor(self) -> audit.Anchor | None:
        path = self.path / ANCHOR_FILE
        if not path.exists():
            return None
        raw = json.loads(path.read_text(encoding="utf-8"))
        return audit.Anchor(int(raw["seq"]), str(raw["hash"]))

    @contextmanager
    def _anchor_lock(self) -> Iterator[None]:
        """Processes sharing this folder (the web app, the CLI) move the anchor one at a
        time: an exclusive flock on the folder itself, so no extra file is needed."""
        fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def _write_anchor(self, new_head: audit.Anchor) -> None:
        atomic_write(
            self.path / ANCHOR_FILE, json.dumps({"seq": new_head.seq, "hash": new_head.hash})
        )

    def _advance_anchor(self, new_head: audit.Anchor) -> None:
        """Move the anchor to `new_head`, only forward and only along the chain it anchors.

        A database whose chain no longer holds the anchored entry with the anchored hash
        (rewritten or truncated behind the application's back) keeps its old anchor, so
        `refwatch audit verify` goes on reporting the forgery whatever is written later. A
        missing anchor file is not recreated here: `verify` reports it until someone
        checks the chain and runs `refwatch audit anchor`."""
        with self._anchor_lock():
            current = self.anchor()
            if current is None:
                log.warning(
                    "audit: the anchor file %s is missing; it is not recreated silently "
                    "(check the chain, then run `refwatch audit anchor`)",
                    self.path / ANCHOR_FILE,
                )
                return
            if current.seq >= new_head.seq:
                return
            with self.read() as conn:
                follows = audit.extends(conn, current, new_head)
            if not follows:
                log.error(
                    "audit: the chain in the database no longer holds the anchored entry %d "
                    "with its anchored hash; the anchor stays there (run `refwatch audit "
                    "verify`)",
                    current.seq,
                )
                return
            self._write_anchor(new_head)

    def verify_audit(self) -> audit.ChainReport:
        with self.read() as conn:
            anchor = self.anchor()
            report = audit.verify(conn, anchor)
        if anchor is None and report.ok:
            return audit.ChainReport(
                False,
                report.entries,
                report.head_seq,
                None,
                f"the anchor file {ANCHOR_FILE} is missing from the workspace folder, so a "
                "truncated or rewritten chain cannot be told from an intact one; compare "
                "with a copy of `refwatch audit verify --json` kept elsewhere, then run "
                "`refwatch audit anchor` to anchor the current head",
            )
        return report

    def reanchor(self) -> audit.ChainReport:
        """Anchor the current head, after the whole chain verifies from its first entry
        (for a lost anchor file, once someone has checked the chain, or a restore).
        An anchor that is there already only moves forward along its own chain."""
        with self._anchor_lock():
            current = self.anchor()
            with self.read() as conn:
                report = audit.verify(conn, current)
                head = audit.head(conn)
            if report.ok:
                self._write_anchor(head)
            return report

    # -- keys ------------------------------------------------------------------------------
    def unlock(self, secret: Secret) -> KeyRing:
        """Unwrap the data keys; WrongPassphraseError (and nothing changed) if they don't open."""
        if secret.keyfile is not None:
            check_keyfile_outside(secret.keyfile, self.path)
        with self.read() as conn:
            rows = conn.execute(select(keys_table).order_by(keys_table.c.version)).all()
        if not rows:
            raise WorkspaceError("this workspace has no data key; was `refwatch init` completed?")
        keys: dict[int, bytes] = {}
        for row in rows:
            if row.kek_kind != secret.kind:
                raise WorkspaceError(
                    f"this workspace's key is protected by a {row.kek_kind}, not a {secret.kind}"
                )
            kek = derive_kek(secret, row.kdf_salt, KdfParams.from_json(row.kdf_params))
            keys[row.version] = unwrap_key(kek, row.wrapped, self.workspace_id, row.version)
        return KeyRing(keys, active=max(keys))

    def rotate_key(
        self, old: Secret, new: Secret, actor: str, kdf: KdfParams | None = None
    ) -> list[int]:
        """Re-wrap every data key under `new`; after this, `old` opens nothing."""
        if new.keyfile is not None:
            check_keyfile_outside(new.keyfile, self.path)
        ring = self.unlock(old)
        params = kdf or KdfParams()
        with self.write() as conn:
            for version in ring.versions:
                salt = secrets.token_bytes(16)
                kek = derive_kek(new, salt, params)
                conn.execute(
                    update(keys_table)
                    .where(keys_table.c.version == version)
                    .values(
                        wrapped=wrap_key(kek, ring.key(version), self.workspace_id, version),
                        kek_kind=new.kind,
                        kdf_salt=salt,
                        kdf_params=params.to_json(),
                    )
                )
            audit.log(
                conn,
                actor,
                "key.rotate",
                table_name="data_keys",
                details={"versions": ring.versions, "kek_kind": new.kind},
            )
        self.scrub("data_keys")
        return ring.versions

    def scrub(self, *tables: str) -> None:
        """Overwrite the freed copies of rewritten rows, which the engine would otherwise keep
        (SQLite: `secure_delete` is on, so checkpoint and truncate the WAL; PostgreSQL:
        rewrite the tables with VACUUM FULL so no old row version stays in the data files)."""
        if self.dialect == "sqlite":
            raw = self.engine.raw_connection()
            try:
                # Outside any transaction: the sqlite3 connection runs in autocommit mode.
                raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
            finally:
                raw.close()
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            _wait_for_older_transactions(conn, SCRUB_WAIT_SECONDS)
            for table in tables:
                conn.execute(text(f'VACUUM FULL "{table}"'))


SCRUB_WAIT_SECONDS = 120.0

_OLDER_TRANSACTIONS = text(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND xact_start < :cutoff "
    "AND (backend_xmin IS NOT NULL OR backend_xid IS NOT NULL)"
)


def _wait_for_older_transactions(conn: Connection, timeout: float) -> None:
    """VACUUM FULL keeps every old row version that a transaction still open might read,
    so while a transaction that began before the erasure is open (in this database: the
    horizon is per database), the erased values would survive the rewrite. Wait for such
    transactions to end; after `timeout`, rewrite anyway and log which sessions (by
    process id only) kept old copies alive."""
    cutoff = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
    deadline = time.monotonic() + timeout
    while True:
        blockers = [row.pid for row in conn.execute(_OLDER_TRANSACTIONS, {"cutoff": cutoff})]
        if not blockers:
            return
        if time.monotonic() > deadline:
            log.warning(
                "scrub: transactions older than the erasure are still open (pids %s); "
                "old row versions they can see stay in the data files until a later "
                "VACUUM FULL",
                blockers,
            )
            return
        time.sleep(0.05)


def _read_config(path: Path) -> WorkspaceConfig:
    config_path = path / CONFIG_FILE
    if not config_path.exists():
        raise WorkspaceError(
            f"no RefWatch workspace at {path} (create one with `refwatch init`, or choose it "
            "with --workspace or REFWATCH_WORKSPACE)"
        )
    raw = json.loads(config_path.read_text(encoding="utf-8"))
    if raw.get("format") != FORMAT:
        raise WorkspaceError(f"{config_path} has an unknown format {raw.get('format')!r}")
    return WorkspaceConfig(
        workspace_id=raw["workspace_id"],
        db_url=raw.get("db_url"),
        schema=raw.get("schema"),
        created_at=raw["created_at"],
    )


PRIVATE_FILES = (CONFIG_FILE, ANCHOR_FILE, SQLITE_FILE, f"{SQLITE_FILE}-wal", f"{SQLITE_FILE}-shm")


def narrow_to_owner(path: Path) -> None:
    """Make the workspace folder and its files its owner's only (workspaces made before
    RefWatch created them so were readable by every local user)."""
    if os.stat(path).st_mode & 0o077:
        os.chmod(path, OWNER_ONLY_DIR)
    for name in PRIVATE_FILES:
        file = path / name
        try:
            if os.stat(file).st_mode & 0o077:
                os.chmod(file, OWNER_ONLY_FILE)
        except FileNotFoundError:
            continue


def create_private_sqlite_file(url: str) -> None:
    """Create the SQLite file owner-only before SQLite opens it: SQLite gives its -wal and
    -shm files the database file's own permissions, so all three stay private."""
    if not is_sqlite(url):
        return
    database = make_url(url).database
    if not database or database == ":memory:":
        return
    os.close(os.open(database, os.O_WRONLY | os.O_CREAT, OWNER_ONLY_FILE))


class UpgradeNeeded(WorkspaceError):
    """The workspace's schema is behind this version of RefWatch."""


def open_workspace(path: Path, db_url: str | None = None, *, upgrade: bool = True) -> Workspace:
    """Open an existing workspace whose schema is up to date.

    A schema that is behind is never migrated here: migrating without a backup that has
    been shown to restore is how data gets lost in an upgrade. `refwatch upgrade --backup
    FILE` takes that backup, proves it restores, then migrates (`store.drill`). An empty
    database (no revision yet) is brought to head. `upgrade=False` opens a schema that is
    behind as it is (the upgrade itself, `refwatch doctor`).
    """
    config = _read_config(path)
    narrow_to_owner(path)
    workspace = Workspace(path, config, db_url)
    if upgrade:
        current = migrate.current_revision(workspace.engine)
        if current is None:
            migrate.upgrade(workspace.engine)
        elif current != migrate.head_revision():
            workspace.close()
            raise UpgradeNeeded(
                f"the workspace's schema is at revision {current}, this RefWatch needs "
                f"{migrate.head_revision()}: stop the server, then run `refwatch upgrade "
                "--backup FILE`, which takes a backup, proves it restores, and only then "
                "migrates"
            )
    return workspace


def init_workspace(
    path: Path,
    secret: Secret,
    *,
    db_url: str | None = None,
    schema: str | None = None,
    actor: str = "cli",
    kdf: KdfParams | None = None,
) -> Workspace:
    """Create a workspace: the database schema, one wrapped data key, nothing else."""
    if (path / CONFIG_FILE).exists():
        raise WorkspaceError(f"a workspace already exists at {path}")
    if secret.keyfile is not None:
        check_keyfile_outside(secret.keyfile, path)
    workspace_id = uuid.uuid4().hex
    stored_url: str | None = None
    if db_url is not None and not is_sqlite(db_url):
        if make_url(db_url).password is not None:
            raise WorkspaceError(
                "do not put a password in --db: RefWatch would have to store it; use a "
                "password file (~/.pgpass) or trust/peer authentication"
            )
        stored_url = db_url
        schema = check_schema_name(schema or f"refwatch_{workspace_id[:12]}")
        create_pg_schema(db_url, schema)
    elif db_url is not None:
        stored_url = db_url
        schema = None
    else:
        schema = None
    make_private_dir(path)
    created = datetime.now(UTC)
    config = WorkspaceConfig(workspace_id, stored_url, schema, created.isoformat())
    create_private_sqlite_file(stored_url or sqlite_url(path / SQLITE_FILE))
    workspace = Workspace(path, config)
    try:
        migrate.upgrade(workspace.engine)
        params = kdf or KdfParams()
        salt = secrets.token_bytes(16)
        kek = derive_kek(secret, salt, params)
        with workspace.engine.begin() as conn:
            conn.execute(
                insert(meta_table),
                [
                    {"key": "workspace_id", "value": workspace_id},
                    {"key": "created_at", "value": created.isoformat()},
                ],
            )
            conn.execute(
                insert(keys_table).values(
                    version=1,
                    wrapped=wrap_key(kek, new_data_key(), workspace_id, 1),
                    kek_kind=secret.kind,
                    kdf_salt=salt,
                    kdf_params=params.to_json(),
                    created_at=created,
                )
            )
            audit.log(conn, actor, "workspace.init", details={"engine": workspace.dialect})
            first = audit.head(conn)
    except Exception:
        workspace.close()
        raise
    atomic_write(path / CONFIG_FILE, config.to_json())
    workspace._write_anchor(first)
    return workspace
