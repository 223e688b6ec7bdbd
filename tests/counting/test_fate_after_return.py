"""Fate after return: held in North Korea or disappeared, counted with bounds like any status.

The rows of issue 14 must import as written; a fate after return implies the return (so
"forcibly returned" still counts the person), supersedes "returned" once it is certain, and
names the North Korean facility the person is held at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from refwatch.counting import count_persons, status_conflicts
from refwatch.domain.errors import InputError
from refwatch.intake.importer import import_files
from refwatch.persons.timeline import load_person
from refwatch.store.crypto import FieldCipher
from refwatch.store.queries import links
from refwatch.store.workspace import Workspace
from tests.conftest import row
from tests.counting.conftest import import_rows, link_by_truth

EXAMPLE = (
    "Example Family Line,family,2017-09-01,EF-1,김하늘,Kim Haneul,F,1988,,Musan,2017-05-20,"
    "Tumen,Tumen border detention center,returned,2017-06-28,,,\n"
    "Example Family Line,family,2018-01-15,EF-2,김하늘,Kim Haneul,F,1988,,Musan,2017-05-20,"
    "Tumen,Jongori kyohwaso,held_in_dprk,2017-12,,,\n"
)
HEADER = (
    "source,source_type,reported_on,record_id,name_hangul,name_latin,sex,birth_year,age,"
    "origin,apprehended_on,apprehended_at,held_at,status,status_on,group,flags,notes\n"
)
FAMILY = {"source": "Example Family Line", "source_type": "family"}


def bounds(workspace: Workspace, **query: str) -> tuple[int, int]:
    result = count_persons(workspace, **query)  # type: ignore[arg-type]
    return result.at_least, result.at_most


def import_example(workspace: Workspace, cipher: FieldCipher, tmp_path: Path) -> None:
    path = tmp_path / "example.csv"
    path.write_text(HEADER + EXAMPLE, encoding="utf-8")
    import_files(workspace, cipher, [path], actor="test")
    link_by_truth(workspace, {(FAMILY["source"], "EF-1"): "p", (FAMILY["source"], "EF-2"): "p"})


def test_the_issue_rows_import_and_the_status_moves_from_detained_to_returned_to_held(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_example(workspace, cipher, tmp_path)
    assert bounds(workspace, status="detained", as_of="2017-06-01") == (1, 1)
    assert bounds(workspace, status="returned", as_of="2017-07-01") == (1, 1)
    assert bounds(workspace, status="held_in_dprk", as_of="2017-07-01") == (0, 0)
    # December 2017: the kyohwaso report covers the month, so either may be true.
    assert bounds(workspace, status="returned", as_of="2017-12-10") == (0, 1)
    assert bounds(workspace, status="held_in_dprk", as_of="2017-12-10") == (0, 1)
    assert bounds(workspace, status="held_in_dprk", as_of="2018-01-01") == (1, 1)
    assert bounds(workspace, status="returned", as_of="2018-01-01") == (0, 0)
    assert bounds(workspace, status="detained", as_of="2018-01-01") == (0, 0)
    # Still forcibly returned, whatever came after.
    assert bounds(workspace, event="return", period_from="2017", period_to="2017") == (1, 1)
    assert status_conflicts(workspace) == []


def test_the_north_korean_facility_belongs_to_the_imprisonment_not_to_custody_in_china(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_example(workspace, cipher, tmp_path)
    assert bounds(workspace, place="Jongori kyohwaso") == (1, 1)
    assert bounds(workspace, place="전거리 교화소") == (1, 1)
    assert bounds(workspace, place="Tumen border detention center") == (1, 1)
    assert bounds(workspace, place="Kwanliso No. 15 (Yodok)") == (0, 0)


def test_a_fate_after_return_with_no_return_reported_implies_the_return(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_rows(
        workspace,
        cipher,
        tmp_path,
        [
            row(
                **FAMILY,
                record_id="A",
                reported_on="2018-03-01",
                apprehended_on="2017-07",
                held_at="Onsong bowibu holding centre",
                status="held_in_dprk",
                status_on="2017-10",
            )
        ],
    )
    assert bounds(workspace, event="return", period_from="2017-07", period_to="2017-10") == (1, 1)
    assert bounds(workspace, status="held_in_dprk", as_of="2017-11-01") == (1, 1)
    # When the return happened is unknown: before the bowibu report, either state may hold.
    assert bounds(workspace, status="returned", as_of="2017-09-01") == (0, 1)
    assert bounds(workspace, status="detained", as_of="2017-09-01") == (0, 1)


def test_held_then_disappeared_is_a_chain_and_detained_again_after_it_is_a_conflict(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    base = {"apprehended_on": "2017-03-02", **FAMILY}
    rows = [
        row(
            **base,
            record_id="1",
            reported_on="2017-05-01",
            status="returned",
            status_on="2017-04-10",
        ),
        row(
            **base,
            record_id="2",
            reported_on="2017-09-01",
            status="held_in_dprk",
            status_on="2017-08",
            held_at="Hyesan labour training camp",
        ),
        row(
            **base,
            record_id="3",
            reported_on="2019-02-01",
            status="disappeared",
            status_on="2018-11",
        ),
    ]
    import_rows(workspace, cipher, tmp_path, rows)
    link_by_truth(workspace, {(FAMILY["source"], r["record_id"]): "p" for r in rows})
    assert bounds(workspace, status="disappeared", as_of="2019-01-01") == (1, 1)
    assert bounds(workspace, status="held_in_dprk", as_of="2018-06-01") == (1, 1)
    assert status_conflicts(workspace) == []

    later = row(
        **base, record_id="4", reported_on="2019-06-01", status="detained", status_on="2019-05"
    )
    import_rows(workspace, cipher, tmp_path, [later])
    link_by_truth(workspace, {(FAMILY["source"], r["record_id"]): "p" for r in [*rows, later]})
    assert len(status_conflicts(workspace)) == 1
    # A contradiction widens the bounds; it never picks a side.
    assert bounds(workspace, status="disappeared", as_of="2019-07-01") == (0, 1)


def test_a_fate_dated_before_the_apprehension_is_refused_naming_file_row_and_field(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    bad = row(
        **FAMILY,
        record_id="X",
        apprehended_on="2017-07-01",
        status="disappeared",
        status_on="2016-01",
    )
    with pytest.raises(InputError) as refused:
        import_rows(workspace, cipher, tmp_path, [bad])
    text = str(refused.value)
    assert "row 2" in text and "status_on" in text and "disappeared" in text
    assert bounds(workspace) == (0, 0)


def test_an_unknown_fate_word_is_refused(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    bad = row(**FAMILY, record_id="X", status="held_in_nk")
    with pytest.raises(InputError) as refused:
        import_rows(workspace, cipher, tmp_path, [bad])
    assert "held_in_dprk" in str(refused.value) and "status" in str(refused.value)


def test_the_timeline_runs_across_the_border_custody_return_then_the_kyohwaso(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    import_example(workspace, cipher, tmp_path)
    with workspace.read() as conn:
        person_id = conn.execute(select(links.c.person_id)).scalars().first()
        detail = load_person(conn, str(person_id))
    assert detail is not None
    kinds = [entry.event_type for entry in detail.timeline]
    assert kinds.index("detention") < kinds.index("return") < kinds.index("imprisonment")
    held = next(e for e in detail.timeline if e.event_type == "imprisonment")
    assert held.dates == ["2017-12"]
    assert detail.conflicts == []
