"""A small crafted case list where each alert rule has one person to fire on.

As of 2017-09-30: P-held-tumen is held at Tumen, from which a member of their own group
was returned ten days before (pre-return facility and group returned: critical); a child
and pregnant woman last confirmed in June (vulnerable, stale); a person two sources
disagree about (conflict); a released person (no alert). The names are canaries that no
alert, message or outbox row may ever contain.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from refwatch.alerts import hooks
from refwatch.intake.importer import import_file
from refwatch.store import audit, changes
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import current_mentions, links
from refwatch.store.workspace import Workspace
from tests.conftest import row, write_csv

AS_OF = "2017-09-30"
NAMES = ("Canaryone Tumenheld", "Canarytwo Returnee", "카나리아", "Canarythree Child")
SOURCE = "Alert test network"


def scenario_rows() -> list[dict[str, str]]:
    common = {"source": SOURCE, "source_type": "ngo_list"}
    return [
        row(
            **common,
            record_id="A-1",
            reported_on="2017-09-22",
            name_latin=NAMES[1],
            sex="M",
            apprehended_on="2017-06-01",
            held_at="Tumen border detention center",
            status="returned",
            status_on="2017-09-20",
            group="G-ALERT-1",
        ),
        row(
            **common,
            record_id="A-2",
            reported_on="2017-09-25",
            name_latin=NAMES[0],
            name_hangul=NAMES[2],
            sex="F",
            apprehended_on="2017-06-01",
            held_at="Tumen border detention center",
            status="detained",
            status_on="2017-09-25",
            group="G-ALERT-1",
        ),
        row(
            **common,
            record_id="A-3",
            reported_on="2017-06-10",
            name_latin=NAMES[3],
            sex="F",
            age="16",
            apprehended_on="2017-05-20",
            status="detained",
            flags="child;pregnant",
        ),
        row(
            **common,
            record_id="A-4",
            reported_on="2017-09-01",
            name_latin="Canaryfour Conflict",
            sex="M",
            apprehended_on="2017-03",
            status="detained",
            status_on="2017-09-01",
        ),
        row(
            source="Other family line",
            source_type="family",
            record_id="F-4",
            reported_on="2017-08-15",
            name_latin="Canaryfour Conflict",
            sex="M",
            apprehended_on="2017-03",
            status="returned",
            status_on="2017-08",
        ),
        row(
            **common,
            record_id="A-5",
            reported_on="2017-09-01",
            name_latin="Canaryfive Released",
            sex="M",
            apprehended_on="2017-04-02",
            status="released",
            status_on="2017-08-20",
        ),
    ]


def import_scenario(workspace: Workspace, cipher: FieldCipher, folder: Path) -> dict[str, str]:
    """Import the rows, link the two reports of the disputed person; return person ids by
    record id."""
    folder.mkdir(parents=True, exist_ok=True)
    import_file(workspace, cipher, write_csv(folder / "alerts.csv", scenario_rows()), actor="t")
    cm = current_mentions().subquery()
    with workspace.write() as conn:
        rows = conn.execute(select(cm.c.id, cm.c.person_id, cm.c.record_id)).all()
        persons = {str(r.record_id): str(r.person_id) for r in rows}
        mention = {str(r.record_id): str(r.id) for r in rows}
        conn.execute(
            update(links)
            .where(links.c.mention_id == mention["F-4"])
            .values(person_id=persons["A-4"], run_id=None)
        )
        audit.log(conn, "t", "linkage.test_join", details={"persons": 1})
    persons["F-4"] = persons["A-4"]
    return persons


@pytest.fixture
def no_hook() -> Iterator[None]:
    """Rules evaluated only when a test says so (the hook may be installed by the CLI)."""
    was = hooks.after_commit in changes.listeners()
    hooks.uninstall()
    yield
    if was:
        hooks.install()


@pytest.fixture
def scenario(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path, no_hook: None
) -> dict[str, str]:
    """The scenario imported with the rules not run (tests run them when they mean to)."""
    return import_scenario(workspace, cipher, tmp_path / "lists")


@pytest.fixture
def with_hook() -> Iterator[None]:
    was = hooks.after_commit in changes.listeners()
    hooks.install()
    yield
    if not was:
        hooks.uninstall()
