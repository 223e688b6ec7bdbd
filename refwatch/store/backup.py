"""Encrypted, integrity-checked backups, restorable into an empty workspace on either engine.

A backup is one file: a clear header (format, workspace id, schema revision, the data keys
*as stored*, i.e. still wrapped under the user's secret, and a salt) followed by the rows of
every table, serialised as JSON Lines, compressed, and sealed in 1 MiB chunks with
AES-256-GCM (the STREAM construction: each chunk's associated data holds a hash of the
header, its index and whether it is the last one). So a changed header, an altered,
reordered, dropped or appended chunk, or a cut-off file is refused, and nothing in the
file is readable without the workspace's passphrase or keyfile. Protected values stay in
their field ciphertexts inside the sealed stream, and come back byte for byte.

The snapshot is consistent while the app keeps running: every table is read in one
read transaction (snapshot isolation under WAL on SQLite, REPEATABLE READ on PostgreSQL).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import secrets
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, Date, LargeBinary, Table, inspect, select

from refwatch.domain.errors import RefWatchError, WorkspaceError
from refwatch.store import audit, migrate
from refwatch.store.bulk import bulk_insert
from refwatch.store.database import check_schema_name, create_pg_schema, is_sqlite, sqlite_url
from refwatch.store.keys import KeyRing, Secret
from refwatch.store.schema import Base, DataKey, table_of
from refwatch.store.timeutil import is_moment
from refwatch.store.workspace import (
    CONFIG_FILE,
    SQLITE_FILE,
    Workspace,
    WorkspaceConfig,
    atomic_write,
    create_private_sqlite_file,
    make_private_dir,
    open_workspace,
)

MAGIC = b"REFWATCH-BACKUP\n"
FORMAT = 1
CHUNK = 1 << 20
_LEN = struct.Struct(">I")


class BackupError(RefWatchError):
    """A backup file is damaged, tampered with, or not a RefWatch backup."""


@dataclass(frozen=True)
class BackupSummary:
    path: str
    tables: int
    rows: int
    bytes: int
    workspace_id: str
    revision: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _backup_key(ring: KeyRing, salt: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=b"refwatch backup stream"
    ).derive(ring.key(min(ring.versions)))


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"b64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _decoder(table: Table) -> dict[str, Any]:
    decoders: dict[str, Any] = {}
    for column in table.columns:
        if isinstance(column.type, LargeBinary):
            decoders[column.name] = lambda v: base64.b64decode(v["b64"])
        elif is_moment(column):
            decoders[column.name] = datetime.fromisoformat
        elif isinstance(column.type, Date):
            decoders[column.name] = date.fromisoformat
    return decoders


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def _rows(conn: Connection) -> Iterator[bytes]:
    """Every row of every table, as the database holds them. Only the tables and columns
    the database has: a workspace whose schema is behind this code's (the backup that
    `refwatch upgrade` takes before migrating) is backed up at its own revision, which the
    header records and a restore rebuilds before loading the rows."""
    inspector = inspect(conn)
    present = set(inspector.get_table_names())
    for table in _tables():
        if table.name not in present:
            continue
        have = {column["name"] for column in inspector.get_columns(table.name)}
        columns = [column for column in table.columns if column.name in have]
        order = [column for column in table.primary_key.columns if column.name in have]
        for row in conn.execute(select(*columns).order_by(*order)):
            record = {"t": table.name, "r": {k: _encode(v) for k, v in row._mapping.items()}}
            yield json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _header_bytes(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode()


def _aad(header_hash: bytes, index: int, last: bool) -> bytes:
    return header_hash + struct.pack(">Q?", index, last)


def create_backup(workspace: Workspace, secret: Secret, out: Path, actor: str) -> BackupSummary:
    """Write an encrypted backup of `workspace` to `out` (refuses to overwrite)."""
    ring = workspace.unlock(secret)
    workspace.audit_log(actor, "backup.create", details={"file": out.name})
    salt = secrets.token_bytes(16)
    key = AESGCM(_backup_key(ring, salt))
    revision = migrate.current_revision(workspace.engine) or ""
    with workspace.engine.connect() as conn:
        conn.execution_options(refwatch_readonly=True)
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        keys = conn.execute(select(table_of(DataKey))).all()
        header = {
            "format": FORMAT,
            "workspace_id": workspace.workspace_id,
            "revision": revision,
            "salt": base64.b64encode(salt).decode(),
            "data_keys": [{k: _encode(v) for k, v in row._mapping.items()} for row in keys],
        }
        header_raw = _header_bytes(header)
        header_hash = hashlib.sha256(MAGIC + header_raw).digest()
        rows = 0
        if out.exists():
            raise WorkspaceError(f"{out} exists; choose a new file name")
        # Owner-only from the first byte, whatever the umask (the file is sealed, but its
        # size and date are nobody else's business either).
        with open(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
            handle.write(MAGIC + _LEN.pack(len(header_raw)) + header_raw)
            compressor = zlib.compressobj(6)
            pending = b""
            index = 0
            for line in _rows(conn):
                rows += 1
                pending += compressor.compress(line)
                while len(pending) >= CHUNK:
                    _write_chunk(handle, key, header_hash, index, pending[:CHUNK], last=False)
                    pending = pending[CHUNK:]
                    index += 1
            pending += compressor.flush()
            _write_chunk(handle, key, header_hash, index, pending, last=True)
            handle.flush()
    return BackupSummary(
        str(out), len(_tables()), rows, out.stat().st_size, workspace.workspace_id, revision
    )


def _write_chunk(
    handle: BinaryIO, key: AESGCM, header_hash: bytes, index: int, data: bytes, *, last: bool
) -> None:
    nonce = secrets.token_bytes(12)
    sealed = key.encrypt(nonce, data, _aad(header_hash, index, last))
    handle.write(_LEN.pack(len(sealed)) + nonce + sealed)


def _read_header(handle: BinaryIO) -> tuple[dict[str, Any], bytes]:
    if handle.read(len(MAGIC)) != MAGIC:
        raise BackupError("this is not a RefWatch backup file")
    size_raw = handle.read(_LEN.size)
    if len(size_raw) != _LEN.size:
        raise BackupError("the backup file is cut off in its header")
    raw = handle.read(_LEN.unpack(size_raw)[0])
    try:
        header = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BackupError("the backup header is damaged") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError("the backup header is damaged or of an unknown format")
    return header, hashlib.sha256(MAGIC + raw).digest()


def _plaintext_stream(
    handle: io.BufferedReader, key: AESGCM, header_hash: bytes
) -> Iterator[bytes]:
    decompressor = zlib.decompressobj()
    index = 0
    while True:
        size_raw = handle.read(_LEN.size)
        if len(size_raw) != _LEN.size:
            raise BackupError("the backup file is cut off: its last part is missing")
        nonce = handle.read(12)
        sealed = handle.read(_LEN.unpack(size_raw)[0])
        last = handle.peek(1) == b""
        try:
            data = key.decrypt(nonce, sealed, _aad(header_hash, index, last))
        except InvalidTag:
            raise BackupError(
                f"the backup failed its integrity check at part {index}: the file was altered, "
                "truncated or reordered, or the passphrase belongs to another workspace"
            ) from None
        yield decompressor.decompress(data)
        if last:
            tail = decompressor.flush()
            if tail:
                yield tail
            return
        index += 1


def restore_backup(
    backup: Path,
    target: Path,
    secret: Secret,
    *,
    db_url: str | None = None,
    schema: str | None = None,
    actor: str = "cli",
) -> BackupSummary:
    """Restore `backup` into a new workspace at `target` (SQLite, or PostgreSQL with db_url).

    The secret must open the backup's data key (the passphrase or keyfile of the workspace
    the backup came from, as of the backup). Everything is checked before anything is kept:
    the whole restore is one transaction, and a failure leaves no workspace behind.
    """
    if (target / CONFIG_FILE).exists():
        raise WorkspaceError(f"{target} already holds a workspace; restore into an empty folder")
    with open(backup, "rb") as handle:
        header, header_hash, workspace_id, key = _open_sealed(handle, secret)
        workspace, config, schema = _new_workspace(target, workspace_id, db_url, schema)
        try:
            migrate.upgrade(workspace.engine, str(header["revision"]))
            rows = _load_rows(workspace, _records(handle, key, header_hash))
            migrate.upgrade(workspace.engine)
        except BaseException:
            workspace.close()
            _discard(target, db_url, schema)
            raise
        atomic_write(target / CONFIG_FILE, config.to_json())
        report = _anchor_restored(workspace, actor, rows)
        workspace.close()
    if not report.ok:
        raise BackupError(f"the restored audit chain does not verify: {report.problem}")
    restored = open_workspace(target, db_url)
    restored.close()
    return BackupSummary(
        str(backup),
        len(_tables()),
        rows,
        backup.stat().st_size,
        workspace_id,
        str(header["revision"]),
    )


def _new_workspace(
    target: Path, workspace_id: str, db_url: str | None, schema: str | None
) -> tuple[Workspace, WorkspaceConfig, str | None]:
    """An empty workspace at `target` for the restore (its PostgreSQL schema made when
    db_url names a server): (workspace, its config still to be written, the schema)."""
    stored_url: str | None = None
    if db_url is not None and not is_sqlite(db_url):
        schema = check_schema_name(schema or f"refwatch_{workspace_id[:12]}")
        create_pg_schema(db_url, schema)
        stored_url = db_url
    make_private_dir(target)
    config = WorkspaceConfig(
        workspace_id, stored_url, schema, datetime.now().astimezone().isoformat()
    )
    create_private_sqlite_file(stored_url or sqlite_url(target / SQLITE_FILE))
    return Workspace(target, config), config, schema


def _records(
    handle: io.BufferedReader, key: AESGCM, header_hash: bytes
) -> Iterator[dict[str, Any]]:
    """The sealed stream's records, one JSON line each ({"t": table, "r": row}), every
    chunk authenticated; a stream cut inside a record is refused. Shared by the restore
    and the restore drill's count."""
    buffer = b""
    for piece in _plaintext_stream(handle, key, header_hash):
        buffer += piece
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            record: dict[str, Any] = json.loads(line)
            yield record
    if buffer.strip():
        raise BackupError("the backup ends in the middle of a record")


def _load_rows(workspace: Workspace, records: Iterator[dict[str, Any]]) -> int:
    """Decode every record into its table's row and insert all in one transaction, tables
    in dependency order; an unknown table refuses the whole backup. Returns the row count."""
    tables = {t.name: t for t in _tables()}
    decoders = {name: _decoder(t) for name, t in tables.items()}
    rows = 0
    with workspace.engine.begin() as conn:
        batch: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            name = record["t"]
            if name not in tables:
                raise BackupError(f"the backup holds an unknown table {name!r}")
            dec = decoders[name]
            values = {
                k: (None if v is None else dec[k](v)) if k in dec else v
                for k, v in record["r"].items()
            }
            batch.setdefault(name, []).append(values)
            rows += 1
        for table in _tables():
            bulk_insert(conn, table, batch.get(table.name, []))
    return rows


def _anchor_restored(workspace: Workspace, actor: str, rows: int) -> audit.ChainReport:
    """The restored chain is checked from its first entry, then anchored in the new
    folder; the restore entry moves the anchor on from there. Returns the last check."""
    report = workspace.reanchor()
    if report.ok:
        workspace.audit_log(actor, "backup.restore", details={"rows": rows})
        report = workspace.verify_audit()
    return report


def _unlock_rows(rows: list[dict[str, Any]], workspace_id: str, secret: Secret) -> KeyRing:
    from refwatch.store.keys import KdfParams, derive_kek, unwrap_key

    keys: dict[int, bytes] = {}
    for row in rows:
        if row["kek_kind"] != secret.kind:
            raise WorkspaceError(
                f"this backup's key is protected by a {row['kek_kind']}, not a {secret.kind}"
            )
        kek = derive_kek(secret, row["kdf_salt"], KdfParams.from_json(row["kdf_params"]))
        keys[int(row["version"])] = unwrap_key(
            kek, row["wrapped"], workspace_id, int(row["version"])
        )
    if not keys:
        raise BackupError("the backup holds no data key")
    return KeyRing(keys, active=max(keys))


def _discard(target: Path, db_url: str | None, schema: str | None) -> None:
    from refwatch.store.database import drop_pg_schema

    if db_url is not None and schema is not None and not is_sqlite(db_url):
        drop_pg_schema(db_url, schema)
    for name in ("refwatch.db", "refwatch.db-wal", "refwatch.db-shm", "audit-anchor.json"):
        (target / name).unlink(missing_ok=True)


def _open_sealed(handle: BinaryIO, secret: Secret) -> tuple[dict[str, Any], bytes, str, AESGCM]:
    """Read a backup's header and unlock its stream key with `secret`: (header, header
    hash, workspace id, cipher). Shared by the restore and the restore drill's count."""
    header, header_hash = _read_header(handle)
    workspace_id = str(header["workspace_id"])
    keys_table = table_of(DataKey)
    key_rows = [
        {k: _decoder(keys_table).get(k, lambda v: v)(v) for k, v in row.items()}
        for row in header["data_keys"]
    ]
    ring = _unlock_rows(key_rows, workspace_id, secret)
    return (
        header,
        header_hash,
        workspace_id,
        AESGCM(_backup_key(ring, base64.b64decode(header["salt"]))),
    )


def backup_row_counts(backup: Path, secret: Secret) -> tuple[str, str, dict[str, int]]:
    """(workspace id, schema revision, rows per table) read from the sealed stream itself,
    every chunk authenticated, nothing written anywhere: what a restore must then hold."""
    with open(backup, "rb") as handle:
        header, header_hash, workspace_id, key = _open_sealed(handle, secret)
        counts: dict[str, int] = {}
        for record in _records(handle, key, header_hash):
            name = str(record["t"])
            counts[name] = counts.get(name, 0) + 1
    return workspace_id, str(header["revision"]), counts
