"""The rules run after every import, edit and linkage run, through the store's
after-commit listeners, and a failing listener never undoes or fails the change."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select

from refwatch.alerts.hooks import relevant
from refwatch.alerts.state import stored_alerts
from refwatch.domain.enums import Status
from refwatch.intake.importer import import_file
from refwatch.intake.readers import Upload
from refwatch.intake.records import import_upload
from refwatch.store import changes
from refwatch.store.crypto import FieldCipher
from refwatch.store.person_pins import person_version, pin_status
from refwatch.store.schema import Source, table_of
from refwatch.store.workspace import Workspace
from tests.alerts.conftest import import_scenario, scenario_rows
from tests.conftest import write_csv


def test_an_import_opens_alerts_and_a_pin_closes_one(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path, with_hook: None
) -> None:
    persons = import_scenario(workspace, cipher, tmp_path / "lists")
    opened = {a.person_id: a for a in stored_alerts(workspace)}
    # Today the scenario's detained persons are all still held (nothing later reported).
    assert {persons["A-2"], persons["A-3"], persons["A-4"]} <= set(opened)
    assert persons["A-1"] not in opened
    with workspace.read() as conn:
        version = person_version(conn, persons["A-3"])
    assert version is not None
    pin_status(
        workspace,
        cipher,
        persons["A-3"],
        expected_version=version,
        status=Status.RELEASED,
        as_of="2017-10-01",
        reason="family confirmed by phone",
        actor="researcher",
    )
    after = {a.person_id for a in stored_alerts(workspace)}
    assert persons["A-3"] not in after
    closed = [a for a in stored_alerts(workspace, include_closed=True) if a.closed_at]
    assert [a.person_id for a in closed] == [persons["A-3"]]


def test_without_the_hook_nothing_is_evaluated(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path, no_hook: None
) -> None:
    import_scenario(workspace, cipher, tmp_path / "lists")
    assert stored_alerts(workspace) == []


def test_a_dry_run_notifies_nobody(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path, no_hook: None
) -> None:
    seen: list[changes.Change] = []

    def spy(_ws: Workspace, change: changes.Change) -> None:
        seen.append(change)

    changes.subscribe(spy)
    try:
        path = write_csv(tmp_path / "l.csv", scenario_rows())
        upload = Upload(path.name, path.read_bytes())
        import_upload(workspace, cipher, upload, actor="t", dry_run=True)
        assert seen == []
        import_upload(workspace, cipher, upload, actor="t")
        assert len(seen) == 1 and relevant(seen[0])
    finally:
        changes.unsubscribe(spy)


def test_a_failing_listener_is_logged_and_the_import_stands(
    workspace: Workspace,
    cipher: FieldCipher,
    tmp_path: Path,
    no_hook: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(_ws: Workspace, _change: changes.Change) -> None:
        raise RuntimeError("Canaryone Tumenheld")  # a message that could quote data

    changes.subscribe(broken)
    try:
        with caplog.at_level(logging.ERROR):
            import_file(
                workspace, cipher, write_csv(tmp_path / "l.csv", scenario_rows()), actor="t"
            )
    finally:
        changes.unsubscribe(broken)
    with workspace.read() as conn:
        assert conn.execute(select(func.count()).select_from(table_of(Source))).scalar_one() == 2
    assert "RuntimeError" in caplog.text
    assert "Canaryone" not in caplog.text


def test_a_listener_writing_does_not_notify_itself_again(
    workspace: Workspace, no_hook: None
) -> None:
    calls: list[tuple[str, ...]] = []

    def writer(ws: Workspace, change: changes.Change) -> None:
        calls.append(change.actions)
        from refwatch.store import audit

        with ws.write() as conn:
            audit.log(conn, "listener", "import.something")

    changes.subscribe(writer)
    try:
        from refwatch.store import audit

        with workspace.write() as conn:
            audit.log(conn, "t", "import.test")
    finally:
        changes.unsubscribe(writer)
    assert calls == [("import.test",)]


def test_only_changes_to_evidence_or_links_are_relevant() -> None:
    assert relevant(changes.Change(("import.file",)))
    assert relevant(changes.Change(("linkage.run",)))
    assert relevant(changes.Change(("person.pin",)))
    assert not relevant(changes.Change(("alert.ack",)))
    assert not relevant(changes.Change(("auth.login", "export.csv")))
