"""Lawful deletion: the erased values are gone from the files, the trace stays."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from refwatch.cli import app
from refwatch.domain.errors import RefWatchError
from refwatch.intake.deletion import delete_report
from refwatch.intake.export import export
from refwatch.intake.importer import import_file
from refwatch.store.crypto import FieldCipher
from refwatch.store.keys import Secret
from refwatch.store.schema import AuditEntry, Mention, Report, table_of
from refwatch.store.workspace import Workspace, init_workspace, open_workspace
from tests import figures
from tests.conftest import PASSPHRASE, TEST_KDF, import_with_texts, row, write_csv


def _report_of(workspace: Workspace, record_id: str) -> str:
    rep = table_of(Report)
    with workspace.read() as conn:
        return str(
            conn.execute(
                select(rep.c.id)
                .where(rep.c.record_id == record_id)
                .order_by(rep.c.received_at.desc())
            )
            .scalars()
            .first()
        )


def test_a_deleted_report_leaves_the_current_evidence_in_every_version(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    import_file(workspace, cipher, write_csv(tmp_path / "v1.csv", sample_rows))
    changed = [dict(r) for r in sample_rows]
    changed[0]["notes"] = "second version of the note"
    import_file(workspace, cipher, write_csv(tmp_path / "v2.csv", changed))
    result = delete_report(workspace, _report_of(workspace, "SEO-00001"), "request REF-1", "admin")
    assert len(result.report_ids) == 2 and result.persons == ["P-000001"]

    out = io.StringIO()
    export(workspace, "mentions", "csv", out, cipher=cipher)
    assert "SEO-00001" not in out.getvalue() and "SEO-00002" in out.getvalue()
    men = table_of(Mention)
    with workspace.read() as conn:
        sealed = conn.execute(select(men.c.name_latin_enc, men.c.notes_enc)).all()
        actions = conn.execute(select(table_of(AuditEntry).c.details)).scalars().all()
    assert sum(1 for r in sealed if r.name_latin_enc is None and r.notes_enc is None) >= 2
    assert any("P-000001" in d for d in actions)
    assert not any("Gim Songkook" in d or "REF-1" in d for d in actions)
    assert workspace.verify_audit().ok


def test_reviewers_reasons_about_a_deleted_reports_mentions_are_erased_too(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    """A linkage decision's reason may quote the name: erased with the report's mentions;
    a reason about other mentions stays."""
    from refwatch.linkage import decisions
    from refwatch.store.schema_linkage import LinkageDecision

    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", sample_rows))
    target = _report_of(workspace, "SEO-00001")
    men, dec = table_of(Mention), table_of(LinkageDecision)
    with workspace.write() as conn:
        erased = conn.execute(select(men.c.id).where(men.c.report_id == target)).scalar_one()
        others = list(
            conn.execute(select(men.c.id).where(men.c.report_id != target).order_by(men.c.id))
            .scalars()
            .all()
        )
        about = decisions.record(
            conn,
            mention_a=erased,
            mention_b=others[0],
            kind="different",
            actor="tester",
            reason="Gim Songkook is older",
            cipher=cipher,
        )
        kept = decisions.record(
            conn,
            mention_a=others[0],
            mention_b=others[1],
            kind="skip",
            actor="tester",
            reason="ask the family",
            cipher=cipher,
        )
    delete_report(workspace, target, "request REF-3", "admin")
    with workspace.read() as conn:
        reasons = {r.id: r.reason_enc for r in conn.execute(select(dec.c.id, dec.c.reason_enc))}
        logged = conn.execute(
            select(table_of(AuditEntry).c.details).where(
                table_of(AuditEntry).c.action == "report.delete"
            )
        ).scalar_one()
    assert reasons[about.id] is None
    assert cipher.open("linkage_decisions", "reason", kept.id, reasons[kept.id]) == (
        "ask the family"
    )
    assert json.loads(logged)["decision_reasons_erased"] == 1


def test_deleted_ciphertexts_are_scrubbed_from_the_sqlite_files(
    tmp_path: Path, secret: Secret
) -> None:
    with init_workspace(tmp_path / "ws", secret, kdf=TEST_KDF) as workspace:
        cipher = FieldCipher(workspace.unlock(secret))
        path = write_csv(
            tmp_path / "l.csv", [row(source="S", record_id="1", name_latin="Erase Me", notes="n")]
        )
        import_file(workspace, cipher, path)
        men = table_of(Mention)
        with workspace.read() as conn:
            blob = conn.execute(select(men.c.name_latin_enc)).scalar_one()
        # The check below can see the ciphertext where it lies (database file or WAL).
        assert any(blob in f.read_bytes() for f in (tmp_path / "ws").iterdir())
        delete_report(workspace, _report_of(workspace, "1"), "court order 7", "admin")
    for file in (tmp_path / "ws").iterdir():
        assert blob not in file.read_bytes(), file.name


def test_a_deletion_needs_a_reason(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", [row(source="S", record_id="1")]))
    with pytest.raises(RefWatchError, match="needs a reason"):
        delete_report(workspace, _report_of(workspace, "1"), "  ", "admin")


def test_a_deletion_names_the_published_numbers_it_changes(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher, sample_rows: list[dict[str, str]]
) -> None:
    from refwatch.counting import count_persons

    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", sample_rows))
    counted = count_persons(workspace, record=True, actor="tester")
    assert counted.ledger_id is not None and counted.at_least == 3
    result = delete_report(workspace, _report_of(workspace, "SEO-00001"), "request REF-2", "admin")
    assert result.ledger_entries == [counted.ledger_id]
    assert count_persons(workspace).at_most == 2


def _import_with_text(workspace: Workspace, cipher: FieldCipher, folder: Path) -> None:
    """Record 1 (to erase) with a name, a note and a report text; record 2 stays."""
    path = write_csv(
        folder / "form.csv",
        [
            row(source="S", record_id="1", name_latin="Erase Me Kim", notes="erase this note"),
            row(source="S", record_id="2", name_latin="Keep Me Pak", notes="keep this note"),
        ],
    )
    import_with_texts(workspace, cipher, path, ["erase this testimony", "keep this testimony"])


def _sealed(workspace: Workspace, record_id: str) -> list[bytes]:
    rep, men = table_of(Report), table_of(Mention)
    with workspace.read() as conn:
        found = conn.execute(
            select(rep.c.text_enc, men.c.name_latin_enc, men.c.notes_enc)
            .join(men, men.c.report_id == rep.c.id)
            .where(rep.c.record_id == record_id)
        ).one()
    assert all(isinstance(b, bytes) and len(b) > 20 for b in found)
    return [bytes(b) for b in found]


def _relation_files(conn: Connection, tables: tuple[str, ...]) -> dict[str, Path]:
    """The data files of `tables`, their TOAST tables and all their indexes."""
    data_dir = Path(conn.exec_driver_sql("SHOW data_directory").scalar_one())
    rows = conn.exec_driver_sql(
        "SELECT c.relname, pg_relation_filepath(c.oid) FROM pg_class c"
        " WHERE c.oid IN ("
        "   SELECT t.oid FROM pg_class t WHERE t.oid = ANY(%(oids)s)"
        "   UNION SELECT t.reltoastrelid FROM pg_class t WHERE t.oid = ANY(%(oids)s)"
        "   UNION SELECT i.indexrelid FROM pg_index i WHERE i.indrelid = ANY(%(oids)s)"
        "   UNION SELECT i.indexrelid FROM pg_index i JOIN pg_class t"
        "     ON i.indrelid = t.reltoastrelid WHERE t.oid = ANY(%(oids)s))",
        {"oids": [_oid(conn, t) for t in tables]},
    ).all()
    return {name: data_dir / rel for name, rel in rows if rel}


def _oid(conn: Connection, table: str) -> int:
    return int(conn.exec_driver_sql("SELECT %(t)s::regclass::oid", {"t": table}).scalar_one())


def _file_bytes(paths: list[Path]) -> bytes:
    """A relation's bytes on disk: every segment (name, name.1, ...) and fork."""
    data = b""
    for path in paths:
        for part in sorted(path.parent.glob(path.name + "*")):
            data += part.read_bytes()
    return data


def _raw_pages(conn: Connection, tables: tuple[str, ...]) -> bytes | None:
    """The same relations read page by page through `pageinspect` (the server's view, for a
    server whose data directory this process cannot read); None without the extension."""
    with contextlib.suppress(DBAPIError):
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pageinspect SCHEMA public")
    home = conn.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE e.extname = 'pageinspect'"
    ).scalar()
    if home is None:
        return None
    oids = [_oid(conn, t) for t in tables]
    toast = conn.exec_driver_sql(
        "SELECT reltoastrelid FROM pg_class WHERE oid = ANY(%(o)s) AND reltoastrelid <> 0",
        {"o": oids},
    ).scalars()
    data = b""
    for oid in [*oids, *toast]:
        pages = conn.exec_driver_sql(
            f'SELECT "{home}".get_raw_page(%(o)s::regclass::text, n)'
            " FROM generate_series(0, pg_relation_size(%(o)s::regclass)"
            " / current_setting('block_size')::int - 1) AS n",
            {"o": oid},
        ).scalars()
        data += b"".join(bytes(p) for p in pages)
    return data


@pytest.mark.parametrize("engine_name", [pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_deleted_ciphertexts_are_gone_from_the_postgresql_relation_files(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    """After the scrub (VACUUM FULL) the erased report's ciphertexts are in no data file of
    `reports` or `mentions` (heap, TOAST, indexes), nor in the files they had before, while
    the kept report's ciphertexts are still found: the check reads the right bytes."""
    _import_with_text(workspace, cipher, tmp_path)
    erased, kept = _sealed(workspace, "1"), _sealed(workspace, "2")
    tables = ("reports", "mentions")
    methods: list[str] = []
    with workspace.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("CHECKPOINT")  # the pages on disk, not only in shared buffers
        old_files = _relation_files(conn, tables)
        readable = all(p.exists() and p.is_file() for p in old_files.values())
        if readable:
            before = _file_bytes(list(old_files.values()))
            assert all(b in before for b in erased + kept), "the files do not show the data"
        pages = _raw_pages(conn, tables)
        if pages is not None:
            assert all(b in pages for b in erased + kept)

    delete_report(workspace, _report_of(workspace, "1"), "court order 12", "admin")

    with workspace.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("CHECKPOINT")
        if readable:
            new_files = _relation_files(conn, tables)
            assert set(new_files.values()) != set(old_files.values()), "no rewrite happened"
            after = _file_bytes(list(new_files.values()))
            left = _file_bytes([p for p in old_files.values() if p.exists()])
            assert [b for b in erased if b in after or b in left] == []
            assert all(b in after for b in kept)
            methods.append("relation files")
        pages = _raw_pages(conn, tables)
        if pages is not None:
            assert [b for b in erased if b in pages] == []
            assert all(b in pages for b in kept)
            methods.append("pageinspect")
    assert methods, "neither the data directory nor pageinspect could be read"
    figures.record("test_deletion[postgresql]", "scrub checked through", " and ".join(methods))


@pytest.mark.parametrize("engine_name", [pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_scrub_waits_for_a_transaction_that_could_still_read_the_erased_values(
    tmp_path: Path, workspace: Workspace, cipher: FieldCipher
) -> None:
    """VACUUM FULL keeps row versions an open transaction may still read: with a reader
    that began before the erasure, the scrub waits for it, then leaves nothing behind."""
    import threading
    import time

    _import_with_text(workspace, cipher, tmp_path)
    erased = _sealed(workspace, "1")
    target = _report_of(workspace, "1")
    reader = workspace.engine.connect().execution_options(isolation_level="REPEATABLE READ")
    reader.begin()
    # A snapshot, and no lock on the tables the scrub rewrites (a lock would make VACUUM
    # FULL wait by itself): what another user's long transaction looks like.
    reader.exec_driver_sql("SELECT count(*) FROM audit_entries").scalar_one()
    done = threading.Event()
    failure: list[BaseException] = []

    def erase() -> None:
        try:
            delete_report(workspace, target, "court order 13", "admin")
        except BaseException as exc:  # pragma: no cover - reported below
            failure.append(exc)
        finally:
            done.set()

    worker = threading.Thread(target=erase)
    worker.start()
    time.sleep(1.5)
    waited = not done.is_set()
    reader.rollback()
    reader.close()
    worker.join(timeout=60)
    assert not failure, failure
    assert waited, "the scrub did not wait for the older transaction"
    with workspace.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("CHECKPOINT")
        pages = _raw_pages(conn, ("reports", "mentions"))
    if pages is None:
        pytest.skip("pageinspect is not available on this server")  # pragma: no cover
    assert [b for b in erased if b in pages] == []


def test_delete_report_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_rows: list[dict[str, str]]
) -> None:
    """`refwatch delete-report ID --reason …` needs the workspace key and a reason, erases
    every version, and says which persons and published numbers it changed."""
    from refwatch.counting import count_persons

    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, list(args))
        return result.exit_code, result.stdout, result.stderr

    folder = tmp_path / "ws"
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(folder))
    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("REFWATCH_ACTOR", "cli-admin")
    assert invoke("init")[0] == 0
    code, _, err = invoke("import", str(write_csv(tmp_path / "l.csv", sample_rows)))
    assert code == 0, err
    with open_workspace(folder) as workspace:
        ledger_id = count_persons(workspace, record=True, actor="tester").ledger_id
        target = _report_of(workspace, "SEO-00001")

    def exported() -> str:
        code, out, err = invoke("export", "mentions", "--format", "csv")
        assert code == 0, err
        return out

    assert "SEO-00001" in exported()
    # No reason, a blank reason, an unknown report, the wrong passphrase: nothing erased.
    code, _, err = invoke("delete-report", target)
    assert code == 2 and "--reason" in err
    code, _, err = invoke("delete-report", target, "--reason", "   ")
    assert code == 2 and "needs a reason" in err and "Traceback" not in err
    code, _, err = invoke("delete-report", "no-such-report", "--reason", "REQ-9")
    assert code == 2 and "no report no-such-report" in err
    monkeypatch.setenv("REFWATCH_PASSPHRASE", "not the passphrase")
    code, _, err = invoke("delete-report", target, "--reason", "REQ-9")
    assert code == 2 and "Traceback" not in err
    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    assert "SEO-00001" in exported()

    code, out, err = invoke("delete-report", target, "--reason", "lawful request REQ-9", "--json")
    assert code == 0, err
    assert json.loads(out) == {
        "reports": [target],
        "persons": ["P-000001"],
        "ledger_entries": [ledger_id],
    }
    assert "SEO-00001" not in exported() and "SEO-00002" in exported()
    code, out, _ = invoke("audit", "verify", "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    entries = table_of(AuditEntry)
    with open_workspace(folder) as workspace, workspace.read() as conn:
        logged = conn.execute(
            select(entries.c.actor, entries.c.record_id, entries.c.details).where(
                entries.c.action == "report.delete"
            )
        ).all()
    assert [(a, r) for a, r, _ in logged] == [("cli-admin", target)]
    assert "REQ-9" not in logged[0].details and "Gim Songkook" not in logged[0].details
    # A second request for the same report changes nothing more and is still answered.
    code, out, err = invoke("delete-report", target, "--reason", "REQ-10")
    assert code == 0 and "P-000001" in out, err
