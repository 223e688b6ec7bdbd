"""Fact sheets and releases kept in the workspace (`refwatch.publish.artifacts`): ids that
are not ids never reach the file system, a failed making leaves nothing behind and audits
nothing, a person-level table never stays in the workspace; then saving, listing,
deleting and the audit entries, on both engines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from refwatch.domain.errors import DateError, InputError
from refwatch.intake.importer import import_file
from refwatch.publish import artifacts
from refwatch.store.crypto import FieldCipher
from refwatch.store.schema import AuditEntry, table_of
from refwatch.store.workspace import Workspace
from tests.conftest import row, write_csv

SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}
PERIOD = {"period_from": "2017-07", "period_to": "2017-08", "as_of": None}


def audited(workspace: Workspace, action: str) -> list[dict[str, object]]:
    entries = table_of(AuditEntry)
    with workspace.read() as conn:
        rows = conn.execute(
            select(entries.c.actor, entries.c.record_id, entries.c.details)
            .where(entries.c.action == action)
            .order_by(entries.c.seq)
        )
        return [dict(r._mapping) for r in rows]


@pytest.fixture
def loaded(workspace: Workspace, cipher: FieldCipher, tmp_path: Path) -> Workspace:
    rows = [
        row(
            **SDC,
            record_id=str(i),
            apprehended_on="2017-07-13",
            apprehended_at="Tumen",
            status="detained",
            sex="F" if i % 2 else "M",
        )
        for i in range(8)
    ]
    import_file(workspace, cipher, write_csv(tmp_path / "l.csv", rows), actor="tester")
    return workspace


@pytest.mark.parametrize("bad", ["", "../../etc", "0" * 23, "0" * 25, "G" * 24, "0" * 23 + "/"])
def test_an_id_that_is_not_an_id_finds_nothing(loaded: Workspace, bad: str) -> None:
    (loaded.path / artifacts.SHEETS).mkdir(mode=0o700, exist_ok=True)
    assert artifacts.load_sheet(loaded, bad) is None
    assert artifacts.load_release(loaded, bad) is None


def test_a_sheet_whose_dates_are_wrong_leaves_no_folder_and_no_audit_entry(
    loaded: Workspace,
) -> None:
    with pytest.raises((InputError, DateError)):
        artifacts.make_factsheet(
            loaded,
            period_from="2017-13",
            period_to="2017-08",
            as_of=None,
            public=True,
            threshold=5,
            actor="tester",
        )
    assert list(artifacts.sheets_root(loaded).iterdir()) == []
    assert audited(loaded, "factsheet.make") == []


def test_a_release_with_an_unknown_format_leaves_no_folder_and_no_audit_entry(
    loaded: Workspace,
) -> None:
    with pytest.raises(InputError):
        artifacts.make_release(loaded, **PERIOD, formats=("csv", "xlsx"), actor="tester")
    assert list(artifacts.releases_root(loaded).iterdir()) == []
    assert audited(loaded, "publish.release") == []


def test_a_person_table_needs_a_folder_of_its_own_and_never_stays_in_the_workspace(
    loaded: Workspace, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match="--out"):
        artifacts.make_release(loaded, **PERIOD, persons=True, k=2, actor="tester")
    assert not artifacts.releases_root(loaded).exists()
    out = tmp_path / "out"
    saved = artifacts.make_release(
        loaded, **PERIOD, formats=("csv", "json"), persons=True, k=2, actor="tester", copy_to=out
    )
    assert saved.persons == 8
    assert (out / "persons.csv").is_file() and (out / "persons.json").is_file()
    kept = artifacts.releases_root(loaded) / saved.info["id"] / "files"
    assert not (kept / "persons.csv").exists() and not (kept / "persons.json").exists()
    assert "persons.csv" not in saved.info["files"]
    names = [name for _, name in artifacts.release_files(loaded, saved.info)]
    assert names == saved.info["files"] and "by_month.csv" in names
    (entry,) = audited(loaded, "publish.release")
    details = entry["details"]
    details = json.loads(details) if isinstance(details, str) else details
    assert isinstance(details, dict) and details["person_table_rows"] == 8


def test_a_listed_file_outside_its_release_folder_is_not_handed_out(
    loaded: Workspace,
) -> None:
    saved = artifacts.make_release(loaded, **PERIOD, formats=("csv",), actor="tester")
    tricked = {**saved.info, "files": ["../release.json", "/etc/passwd", "by_month.csv"]}
    assert [name for _, name in artifacts.release_files(loaded, tricked)] == ["by_month.csv"]


def test_a_sheet_is_saved_listed_by_edition_read_and_deleted_with_audit_entries(
    loaded: Workspace, tmp_path: Path
) -> None:
    out = tmp_path / "copy"
    public = artifacts.make_factsheet(
        loaded, **PERIOD, public=True, threshold=5, actor="tester", copy_to=out
    )
    internal = artifacts.make_factsheet(loaded, **PERIOD, public=False, threshold=5, actor="x")
    assert public.html == out / "factsheet.html" and public.pdf.read_bytes()[:4] == b"%PDF"
    assert artifacts.sheets_root(loaded).stat().st_mode & 0o077 == 0
    assert artifacts.load_sheet(loaded, public.info.id) == public.info
    assert [s.id for s in artifacts.recent_sheets(loaded, internal=False)] == [public.info.id]
    assert {s.id for s in artifacts.recent_sheets(loaded, internal=True)} == {
        public.info.id,
        internal.info.id,
    }
    assert artifacts.sheet_file(loaded, public.info, "html") == public.html.read_bytes()
    made = audited(loaded, "factsheet.make")
    assert [(e["actor"], e["record_id"]) for e in made] == [
        ("tester", public.info.id),
        ("x", internal.info.id),
    ]

    assert artifacts.delete_sheet(loaded, internal.info, "tester")
    assert not artifacts.delete_sheet(loaded, internal.info, "tester")  # already gone
    assert artifacts.load_sheet(loaded, internal.info.id) is None
    assert artifacts.sheet_file(loaded, internal.info, "pdf") is None
    assert [e["record_id"] for e in audited(loaded, "factsheet.delete")] == [internal.info.id]
