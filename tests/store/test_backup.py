"""Backups: a restore gives back everything; a damaged or tampered backup is refused."""

from __future__ import annotations

import io
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, update

from refwatch.accounts import accounts, tokens
from refwatch.counting import count_persons
from refwatch.domain.consent import ConsentLevel
from refwatch.domain.enums import Status
from refwatch.domain.errors import WrongPassphraseError
from refwatch.domain.roles import Role
from refwatch.intake.claims import ClaimInput, record_claim
from refwatch.intake.deletion import delete_report
from refwatch.intake.export import export
from refwatch.intake.importer import import_file
from refwatch.linkage import decisions
from refwatch.store import audit, consents, person_pins
from refwatch.store.backup import BackupError, create_backup, restore_backup
from refwatch.store.crypto import FieldCipher
from refwatch.store.database import drop_pg_schema
from refwatch.store.keys import Secret
from refwatch.store.schema import Base, Mention, Report, Source, table_of
from refwatch.store.workspace import Workspace, open_workspace
from tests import figures
from tests.conftest import import_with_texts, pg_url_or_skip, row, write_csv
from tests.intake.submission_exports import submission, write_kobo_csv

CANARY = "Canaryperson Xqvz"
REPORT_TEXT = "canary testimony 4471: crossed at night with help from a cousin"
CONTACT = "canary contact +82 10 5555 0199"
PIN_REASON = "canary pin reason 7302: her brother phoned"
DECISION_REASON = "canary decision reason 1188: different mothers"
DELETION_REASON = "court order 2024-77"
CONSENT_EXCEPTION = "canary exception 5120: held; her sister asks for action"
CLAIM_TEXT = "canary claim 3377: at least 41 detained, her brother among them"
ATTACHMENT = b"\x89PNG\r\n\x1a\n canary photo 4410"
CANARIES = (
    CANARY,
    "canary note 9911",
    REPORT_TEXT,
    CONTACT,
    PIN_REASON,
    DECISION_REASON,
    CONSENT_EXCEPTION,
    CLAIM_TEXT,
)
# Tables the fill leaves empty on purpose: sessions, throttles, linkage runs, observations,
# groups of unknown size and retirements need the web app or a linkage run.
LEFT_EMPTY = {
    "web_sessions",
    "login_throttle",
    "linkage_runs",
    "linkage_pairs",
    "observations",
    "groups",
    "person_retirements",
    "workspace_meta",
}


def _named_export(workspace: Workspace, secret: Secret) -> str:
    buffer = io.StringIO()
    export(workspace, "mentions", "jsonl", buffer, cipher=FieldCipher(workspace.unlock(secret)))
    return buffer.getvalue()


def _fill(tmp_path: Path, workspace: Workspace, secret: Secret, rows: list[dict[str, str]]) -> None:
    """Evidence with every kind of protected value: names and notes, a report text, a source
    contact, a pin reason, a linkage decision reason; a published number, an erased report,
    a user and an API token."""
    cipher = FieldCipher(workspace.unlock(secret))
    rows = [
        *rows,
        row(
            source="Family contacts",
            record_id="C-1",
            name_latin=CANARY,
            notes="canary note 9911",
            apprehended_on="2017-07",
        ),
        row(source="Family contacts", record_id="C-2", name_latin="To Be Erased"),
    ]
    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", rows))
    texted = write_csv(
        tmp_path / "form.csv",
        [row(source="Intake form", record_id="F-1", name_latin="Form Person", sex="F")],
    )
    import_with_texts(workspace, cipher, texted, [REPORT_TEXT])
    src, rep, men = table_of(Source), table_of(Report), table_of(Mention)
    with workspace.write() as conn:
        source_id = conn.execute(select(src.c.id).where(src.c.name == "Intake form")).scalar_one()
        sealed = cipher.seal("sources", "contact", source_id, CONTACT)
        conn.execute(update(src).where(src.c.id == source_id).values(contact_enc=sealed))
        audit.log(conn, "tester", "source.contact", table_name="sources", record_id=source_id)
        first, second = (
            conn.execute(
                select(men.c.id)
                .join(rep, rep.c.id == men.c.report_id)
                .where(rep.c.record_id == record_id)
            ).scalar_one()
            for record_id in ("C-1", "F-1")  # not C-2: erasing it erases this reason
        )
        decisions.record(
            conn,
            mention_a=first,
            mention_b=second,
            kind="different",
            actor="tester",
            reason=DECISION_REASON,
            cipher=cipher,
        )
        erased = conn.execute(select(rep.c.id).where(rep.c.record_id == "C-2")).scalar_one()
        version = person_pins.person_version(conn, "P-000001")
    assert version is not None
    person_pins.pin_status(
        workspace,
        cipher,
        "P-000001",
        expected_version=version,
        status=Status.RETURNED,
        as_of="2017-09",
        reason=PIN_REASON,
        actor="tester",
    )
    consents.record_consent(
        workspace,
        cipher,
        person_id="P-000001",
        level=ConsentLevel.INTERNAL,
        basis="canary consent basis 6042",
        exception_level=ConsentLevel.ADVOCACY,
        exception=CONSENT_EXCEPTION,
        actor="tester",
    )
    with workspace.write() as conn:
        claim = ClaimInput(source="Org X", number=41, qualifier="at_least", text=CLAIM_TEXT)
        record_claim(conn, cipher, claim, actor="tester")
    field_export = tmp_path / "kobo"
    field_export.mkdir()
    (field_export / "letter.png").write_bytes(ATTACHMENT)
    import_file(
        workspace,
        cipher,
        write_kobo_csv(field_export / "kobo.csv", [submission(1, document="letter.png")]),
    )
    count_persons(workspace, record=True, actor="tester")
    delete_report(workspace, erased, DELETION_REASON, "tester")
    account = accounts.create_user(
        workspace,
        "backup-admin",
        "a long enough password 1",
        Role.ADMIN,
        actor="tester",
        hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
    )
    tokens.issue_token(workspace, account.id, Role.ANALYST, "nightly", actor="tester")
    _fill_alerts(workspace, cipher)


def _fill_alerts(workspace: Workspace, cipher: FieldCipher) -> None:
    """A channel with a sealed signing key, the alerts the rules open with their messages
    in the outbox, and an acknowledgement with a sealed note."""
    from refwatch.alerts.acks import acknowledge
    from refwatch.alerts.channels import add_channel
    from refwatch.alerts.state import evaluate, stored_alerts

    add_channel(
        workspace,
        cipher,
        name="desk",
        kind="webhook",
        target="https://hooks.example.org/refwatch",
        secret="backup-signing-key-0123456789",
        actor="tester",
    )
    evaluate(workspace)
    first = stored_alerts(workspace)[0]
    acknowledge(workspace, first.id, "seen", "tester", note="canary ack note 5521", cipher=cipher)


def _plain(value: Any) -> Any:
    """A value as both engines can agree on it: UTC instants, bytes for binary."""
    if isinstance(value, datetime):
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return aware.isoformat()
    if isinstance(value, memoryview | bytearray):
        return bytes(value)
    return value


def _every_row(workspace: Workspace) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table of the model, in primary-key order (sorted here, not by the
    engine, whose collations differ)."""
    found: dict[str, list[dict[str, Any]]] = {}
    with workspace.read() as conn:
        for table in Base.metadata.sorted_tables:
            keys = [c.name for c in table.primary_key.columns]
            rows = [
                {k: _plain(v) for k, v in r._mapping.items()} for r in conn.execute(select(table))
            ]
            found[table.name] = sorted(rows, key=lambda r: tuple(r[k] for k in keys))
    return found


def _opened(rows: dict[str, list[dict[str, Any]]], cipher: FieldCipher) -> dict[str, list[Any]]:
    """Every protected value, decrypted: {"table.column": [(row id, plaintext), ...]}."""
    opened: dict[str, list[Any]] = {}
    for table, records in rows.items():
        for record in records:
            for column, blob in record.items():
                if column.endswith("_enc") and blob is not None:
                    plain = cipher.open(table, column[: -len("_enc")], record["id"], blob)
                    opened.setdefault(f"{table}.{column}", []).append((record["id"], plain))
    return opened


@pytest.fixture(params=["sqlite", "postgresql"])
def restore_target(request: pytest.FixtureRequest):
    """Where to restore: a SQLite folder, or a PostgreSQL schema (dropped afterwards)."""
    if request.param == "sqlite":
        yield None, None
        return
    url = pg_url_or_skip()
    schema = f"rwrestore_{uuid.uuid4().hex[:12]}"
    try:
        yield url, schema
    finally:
        drop_pg_schema(url, schema)


def test_a_restore_gives_back_every_value_and_the_audit_chain_on_either_engine(
    tmp_path: Path,
    workspace: Workspace,
    secret: Secret,
    sample_rows: list[dict[str, str]],
    restore_target: tuple[str | None, str | None],
) -> None:
    _fill(tmp_path, workspace, secret, sample_rows)
    backup = tmp_path / "ws.rwbackup"
    summary = create_backup(workspace, secret, backup, "tester")
    before = _every_row(workspace)  # nothing has been written since the snapshot
    assert summary.rows == sum(len(rows) for rows in before.values())
    empty = {name for name, rows in before.items() if not rows}
    assert empty <= LEFT_EMPTY, f"the fill left {empty - LEFT_EMPTY} empty: compare them too"
    before_export = _named_export(workspace, secret)

    url, schema = restore_target
    restore_backup(backup, tmp_path / "restored", secret, db_url=url, schema=schema, actor="tester")
    with open_workspace(tmp_path / "restored", url) as restored:
        after = _every_row(restored)
        assert restored.workspace_id == workspace.workspace_id
        report = restored.verify_audit()
        assert report.ok, report.problem
        assert _named_export(restored, secret) == before_export
        opened_before = _opened(before, FieldCipher(workspace.unlock(secret)))
        opened_after = _opened(after, FieldCipher(restored.unlock(secret)))

    # The audit chain: the same entries, then exactly one for the restore.
    entries, restored_entries = before.pop("audit_entries"), after.pop("audit_entries")
    assert restored_entries[: len(entries)] == entries
    assert [e["action"] for e in restored_entries[len(entries) :]] == ["backup.restore"]
    (head,) = after.pop("audit_head")
    before.pop("audit_head")
    assert (head["seq"], head["hash"]) == (
        restored_entries[-1]["seq"],
        restored_entries[-1]["hash"],
    )
    # Every other table: the same number of rows, equal row by row, ciphertexts byte for byte.
    assert {name: len(rows) for name, rows in after.items()} == {
        name: len(rows) for name, rows in before.items()
    }
    for name, rows in before.items():
        assert after[name] == rows, f"{name} differs after the restore"
    # And every protected value opens to the same plaintext under the restored key.
    assert opened_after == opened_before
    plaintexts = {plain for values in opened_before.values() for _, plain in values}
    assert set(CANARIES) <= plaintexts
    assert {
        "mentions.name_latin_enc",
        "mentions.notes_enc",
        "reports.text_enc",
        "sources.contact_enc",
        "person_edits.reason_enc",
        "linkage_decisions.reason_enc",
        "consents.basis_enc",
        "consents.exception_enc",
        "claims.text_enc",
        "attachments.content_enc",
        "attachments.file_name_enc",
    } <= set(opened_before)
    # The erased report stays erased, its trace (and reason, in clear) restored with it.
    deleted = before["report_deletions"]
    assert [d["reason"] for d in deleted] == [DELETION_REASON]
    assert "To Be Erased" not in plaintexts
    figures.record(
        f"test_backup_restore[{workspace.dialect}->{'postgresql' if url else 'sqlite'}]",
        "rows compared",
        sum(len(rows) for rows in before.values()) + len(entries),
    )


def test_a_backup_holds_no_plaintext_canary(
    tmp_path: Path, workspace: Workspace, secret: Secret, sample_rows: list[dict[str, str]]
) -> None:
    _fill(tmp_path, workspace, secret, sample_rows)
    backup = tmp_path / "b"
    create_backup(workspace, secret, backup, "tester")
    data = backup.read_bytes()
    for text in (*CANARIES, "Gim Songkook", "김송국", "SEO-00001", "Tumen"):
        assert text.encode() not in data


def test_every_kind_of_protected_value_is_sealed_in_every_table_and_file(
    tmp_path: Path, workspace: Workspace, secret: Secret, sample_rows: list[dict[str, str]]
) -> None:
    """Names, notes, report text, a source contact, a pin reason and a linkage decision
    reason are stored (they open with the key) and only as ciphertexts: no row of any table
    holds them in clear, nor (SQLite) any file of the workspace folder."""
    _fill(tmp_path, workspace, secret, sample_rows)
    rows = _every_row(workspace)
    opened = {
        p
        for values in _opened(rows, FieldCipher(workspace.unlock(secret))).values()
        for _, p in values
    }
    assert set(CANARIES) <= opened
    for table, records in rows.items():
        for record in records:
            for column, value in record.items():
                for canary in CANARIES:
                    if isinstance(value, str):
                        assert canary not in value, f"{table}.{column}"
                    elif isinstance(value, bytes):
                        assert canary.encode() not in value, f"{table}.{column}"
    if workspace.dialect == "sqlite":
        for file in workspace.path.iterdir():
            data = file.read_bytes()
            assert [c for c in CANARIES if c.encode() in data] == [], file.name


@pytest.mark.parametrize("damage", ["body_bit", "header_bit", "truncate", "append", "swap"])
def test_a_damaged_or_tampered_backup_is_refused(
    tmp_path: Path,
    workspace: Workspace,
    secret: Secret,
    sample_rows: list[dict[str, str]],
    damage: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import refwatch.store.backup as backup_module

    monkeypatch.setattr(backup_module, "CHUNK", 256)  # several chunks, to reorder them
    many = [row(source="S", record_id=str(n), name_latin=f"Name {n}") for n in range(200)]
    _fill(tmp_path, workspace, secret, [*sample_rows, *many])
    backup = tmp_path / "b"
    create_backup(workspace, secret, backup, "tester")
    data = bytearray(backup.read_bytes())
    header_end = len(backup_module.MAGIC) + 4 + int.from_bytes(data[16:20], "big")
    if damage == "body_bit":
        data[-10] ^= 0x01
    elif damage == "header_bit":
        data[header_end - 5] ^= 0x01
    elif damage == "truncate":
        data = data[: len(data) - 300]
    elif damage == "append":
        data += data[header_end : header_end + 300]
    else:
        first_len = 4 + 12 + int.from_bytes(data[header_end : header_end + 4], "big")
        assert len(data) > header_end + 3 * first_len, "needs several chunks to swap"
        first = data[header_end : header_end + first_len]
        second = data[header_end + first_len : header_end + 2 * first_len]
        data[header_end : header_end + 2 * first_len] = second + first
    backup.write_bytes(bytes(data))
    with pytest.raises((BackupError, WrongPassphraseError)) as info:
        restore_backup(backup, tmp_path / "restored", secret, actor="tester")
    assert "Traceback" not in str(info.value)
    assert not (tmp_path / "restored" / "workspace.json").exists()
    assert not (tmp_path / "restored" / "refwatch.db").exists()


def test_a_backup_opens_only_with_the_workspace_secret(
    tmp_path: Path, workspace: Workspace, secret: Secret
) -> None:
    backup = tmp_path / "b"
    create_backup(workspace, secret, backup, "tester")
    with pytest.raises(WrongPassphraseError):
        restore_backup(backup, tmp_path / "r", Secret(passphrase="not the passphrase"))
    assert not (tmp_path / "r" / "workspace.json").exists()


def test_a_backup_taken_during_imports_is_a_consistent_snapshot(
    tmp_path: Path, workspace: Workspace, secret: Secret
) -> None:
    cipher = FieldCipher(workspace.unlock(secret))
    per_file, count = 40, 8
    files = [
        write_csv(
            tmp_path / f"batch{i}.csv",
            [
                row(source=f"S{i}", record_id=str(n), name_latin=f"N{n}", sex="F")
                for n in range(per_file)
            ],
        )
        for i in range(count)
    ]
    first_file_in = threading.Event()
    first_backup_out = threading.Event()
    done = threading.Event()
    failures: list[BaseException] = []

    def keep_importing() -> None:
        try:
            for i, path in enumerate(files):
                if i == count - 1:
                    # The last file waits for the first backup, so at least one backup is
                    # taken while the imports are under way (whatever the machine's speed).
                    first_backup_out.wait(timeout=120)
                import_file(workspace, cipher, path)
                first_file_in.set()
        except BaseException as exc:
            failures.append(exc)
        finally:
            first_file_in.set()
            done.set()

    worker = threading.Thread(target=keep_importing)
    worker.start()
    assert first_file_in.wait(timeout=120)
    backups = []
    try:
        while not done.is_set() and len(backups) < 6:
            path = tmp_path / f"snap{len(backups)}"
            create_backup(workspace, secret, path, "tester")
            backups.append(path)
            first_backup_out.set()
    finally:
        first_backup_out.set()
        worker.join()
    assert failures == []
    seen = []
    for i, path in enumerate(backups):
        target = tmp_path / f"restored{i}"
        restore_backup(path, target, secret)
        with open_workspace(target) as restored, restored.read() as conn:
            reports = conn.execute(select(func.count()).select_from(table_of(Report))).scalar_one()
            mentions = conn.execute(
                select(func.count()).select_from(table_of(Mention))
            ).scalar_one()
            assert reports == mentions and reports % per_file == 0, "a file half in a snapshot"
        assert restored.verify_audit().ok
        seen.append(reports)
    mid_import = [n for n in seen if 0 < n < per_file * count]
    assert mid_import, f"no backup was taken while the imports ran: {seen}"
    test = f"test_backup_during_imports[{workspace.dialect}]"
    figures.record(test, "backups taken", len(seen))
    figures.record(test, "backups taken mid-import", len(mid_import))


def test_restore_refuses_a_folder_that_holds_a_workspace(
    tmp_path: Path, workspace: Workspace, secret: Secret
) -> None:
    backup = tmp_path / "b"
    create_backup(workspace, secret, backup, "tester")
    with pytest.raises(Exception, match="already holds a workspace"):
        restore_backup(backup, workspace.path, secret)
