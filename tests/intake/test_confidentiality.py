"""Attacks on confidentiality at rest: a canary name and note must never be readable
outside their ciphertexts, whatever an attacker copies (database file, WAL, logs)."""

from __future__ import annotations

import io
import logging
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from refwatch.domain.errors import DecryptionError, InputError
from refwatch.intake.export import export, mention_rows
from refwatch.intake.importer import import_file
from refwatch.store.crypto import FieldCipher
from refwatch.store.database import drop_pg_schema
from refwatch.store.keys import Secret
from refwatch.store.schema import Mention
from refwatch.store.workspace import Workspace, init_workspace
from tests.conftest import TEST_KDF, pg_url_or_skip, row, write_csv

CANARY_HANGUL = "캐나리홍길"
CANARY_LATIN = "Canaryname Qwzx"
CANARY_NOTE = "canary-note-7781-hidden"
CANARIES = [CANARY_HANGUL, CANARY_LATIN, CANARY_NOTE]


def _canary_file(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "canary.csv",
        [
            row(
                source="Family contacts",
                source_type="family",
                record_id="F-1",
                name_hangul=CANARY_HANGUL,
                name_latin=CANARY_LATIN,
                notes=CANARY_NOTE,
                sex="F",
                apprehended_on="2017-07",
                apprehended_at="Changbai",
                status="detained",
            ),
        ],
    )


def _assert_absent(data: bytes, where: str) -> None:
    for canary in CANARIES:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert canary.encode(encoding) not in data, f"{canary!r} found in {where} ({encoding})"


def test_a_canary_name_never_appears_in_the_sqlite_file_or_its_wal(
    tmp_path: Path, secret: Secret
) -> None:
    with init_workspace(tmp_path / "ws", secret, kdf=TEST_KDF) as workspace:
        cipher = FieldCipher(workspace.unlock(secret))
        import_file(workspace, cipher, _canary_file(tmp_path))
        files = [p for p in workspace.path.iterdir() if p.is_file()]
        assert any(p.name.endswith("-wal") for p in files)
        for path in files:
            _assert_absent(path.read_bytes(), path.name)


def test_a_canary_name_is_stored_only_as_ciphertext_in_postgresql(
    tmp_path: Path, secret: Secret
) -> None:
    url = pg_url_or_skip()
    schema = f"rwtest_{uuid.uuid4().hex[:16]}"
    try:
        with init_workspace(
            tmp_path / "ws", secret, db_url=url, schema=schema, kdf=TEST_KDF
        ) as workspace:
            import_file(workspace, FieldCipher(workspace.unlock(secret)), _canary_file(tmp_path))
            with workspace.read() as conn:
                tables = (
                    conn.exec_driver_sql(
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                        (schema,),
                    )
                    .scalars()
                    .all()
                )
                dumps = [
                    conn.exec_driver_sql(
                        f"SELECT coalesce(string_agg(CAST(t.* AS text), '|'), '') FROM \"{name}\" t"
                    ).scalar_one()
                    for name in tables
                ]
            assert "mentions" in tables
            _assert_absent("\n".join(dumps).encode(), "the PostgreSQL tables")
    finally:
        drop_pg_schema(url, schema)


def test_importing_logs_no_protected_value(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, caplog: pytest.LogCaptureFixture
) -> None:
    """Everything logged at DEBUG, SQLAlchemy's statement log (echo) included, while the
    canary is imported, read back and exported with names: no record carries it."""
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, "sqlalchemy.engine"):
        import_file(workspace, cipher, _canary_file(tmp_path))
        with workspace.read() as conn:
            names = [m["name_latin"] for m in mention_rows(conn, cipher)]
        export(workspace, "mentions", "jsonl", io.StringIO(), cipher=cipher, actor="t")
    assert names == [CANARY_LATIN]  # the values did pass through while logging was on
    engine_log = [r for r in caplog.records if r.name.startswith("sqlalchemy.engine")]
    statements = [r.getMessage() for r in engine_log]
    assert any(m.lstrip().upper().startswith("INSERT INTO") and "mentions" in m for m in statements)
    assert any("name_latin_enc" in m for m in statements)
    assert len(engine_log) > 20, len(engine_log)
    for record in caplog.records:
        _assert_absent(record.getMessage().encode(), f"the log record {record.name}")
        _assert_absent(repr(record.args).encode(), f"the arguments of log record {record.name}")
    _assert_absent(caplog.text.encode(), "the log")


def test_an_import_error_does_not_carry_the_canary(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        [
            row(
                source="A", name_latin=CANARY_LATIN, notes=CANARY_NOTE, apprehended_on="last summer"
            ),
        ],
    )
    with pytest.raises(InputError) as info:
        import_file(workspace, cipher, path)
    _assert_absent(str(info.value).encode(), "the error message")
    _assert_absent(repr(info.value.args).encode(), "the exception args")


def test_a_name_swapped_onto_another_mention_fails_to_decrypt(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", sample_rows))
    men = Mention.__table__
    with workspace.engine.begin() as conn:
        a, b = conn.execute(
            select(men.c.id, men.c.name_latin_enc).where(men.c.name_latin_enc.is_not(None))
        ).all()[:2]
        conn.execute(men.update().where(men.c.id == b.id).values(name_latin_enc=a.name_latin_enc))
    with workspace.read() as conn, pytest.raises(DecryptionError) as info:
        list(mention_rows(conn, cipher))
    assert "Gim Songkook" not in str(info.value)
