"""Public releases and fact sheets carry no name, no id and no suppressed value."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest

from refwatch.publish import DisclosureError, build_factsheet, publish
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace
from tests.conftest import row
from tests.counting.conftest import import_rows

SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}
CANARIES = ("김카나리", "Canary Kim", "canary-note-51")


@pytest.fixture
def records(workspace: Workspace, cipher: FieldCipher, tmp_path: Path) -> Workspace:
    rows = []
    for i in range(30):
        rows.append(
            row(
                **SDC,
                record_id=f"S-{i}",
                name_hangul="김카나리" if i == 0 else "",
                name_latin="Canary Kim" if i == 0 else f"Synthetic Person {i}",
                notes="canary-note-51" if i == 0 else "",
                sex="F",
                age="30",
                apprehended_on="2017-07-13" if i < 24 else "2017-08-02",
                apprehended_at="Tumen" if i < 26 else "Jinghong",
                held_at="Tumen border detention center" if i < 26 else "",
                status="detained",
            )
        )
    import_rows(workspace, cipher, tmp_path / "lists", rows)
    return workspace


def every_text(folder: Path) -> str:
    texts = []
    for path in folder.iterdir():
        if path.suffix == ".db":
            db = sqlite3.connect(path)
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'"):
                texts.append(json.dumps(db.execute(f'SELECT * FROM "{name}"').fetchall()))
            db.close()
        elif path.suffix != ".pdf":
            texts.append(path.read_text(encoding="utf-8"))
    return "\n".join(texts)


def test_a_public_release_has_no_name_no_id_and_no_suppressed_value(
    records: Workspace, tmp_path: Path
) -> None:
    out = tmp_path / "release"
    release = publish(
        records, out, period_from="2017-07", period_to="2017-08", as_of="2017-09-30", actor="test"
    )
    assert release.suppressed_cells > 0
    text = every_text(out)
    for canary in CANARIES:
        assert canary not in text
    assert "P-0" not in text and "Synthetic Person" not in text
    with open(out / "by_province.csv", encoding="utf-8") as handle:
        province = list(csv.reader(handle))
    assert province[1][0].startswith("#adm1")
    by_key = {r[0]: r for r in province[2:]}
    assert by_key["cn-yunnan"][2:] == ["", "", "suppressed (below 5)"]
    assert by_key["cn-jilin"][2:] == ["", "", "suppressed (complementary)"]
    db = sqlite3.connect(out / "refwatch_public.db")
    hidden = db.execute(
        "SELECT at_least, at_most FROM by_province WHERE note LIKE 'suppressed%'"
    ).fetchall()
    db.close()
    assert hidden and all(v == (None, None) for v in hidden)
    published = json.loads((out / "refwatch_public.json").read_text(encoding="utf-8"))
    for table in published["tables"]:
        for record in table["rows"]:
            if record["note"]:
                assert record["at_least"] is None and record["at_most"] is None
    metadata = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert {"title", "source", "license", "description"} <= set(metadata)
    assert "suppressed" in metadata["description"]


def test_a_person_table_is_re_keyed_coarsened_and_refused_when_not_k_anonymous(
    records: Workspace, tmp_path: Path
) -> None:
    out = tmp_path / "people"
    with pytest.raises(DisclosureError, match="fewer than 5"):
        publish(
            records,
            out,
            period_from="2017-07",
            period_to="2017-08",
            as_of="2017-09-30",
            persons=True,
            actor="test",
        )
    assert not out.exists()
    release = publish(
        records,
        out,
        period_from="2017-07",
        period_to="2017-07",
        as_of="2017-09-30",
        persons=True,
        formats=["csv"],
        actor="test",
    )
    with open(out / "persons.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))[1:]
    assert release.persons == len(rows) == 24
    assert {r["month"] for r in rows} == {"2017-07"}
    assert {r["province"] for r in rows} == {"cn-jilin"}
    assert sorted(r["release_id"] for r in rows) == [f"R-{i:06d}" for i in range(1, 25)]
    assert "P-0" not in every_text(out)


def test_the_public_fact_sheet_has_no_ids_and_the_internal_one_lists_urgent_cases(
    records: Workspace, tmp_path: Path
) -> None:
    public = build_factsheet(
        records,
        period_from="2017-07",
        period_to="2017-08",
        out_dir=tmp_path / "public",
        public=True,
        as_of="2017-09-30",
    )
    html = public.html.read_text(encoding="utf-8")
    assert public.pdf.read_bytes().startswith(b"%PDF")
    for canary in (*CANARIES, "P-0", "Urgent-action"):
        assert canary not in html
    assert all(f"refwatch ledger show {i}" in html for i in public.ledger_ids)
    internal = build_factsheet(
        records,
        period_from="2017-07",
        period_to="2017-08",
        out_dir=tmp_path / "internal",
        as_of="2017-09-30",
    )
    text = internal.html.read_text(encoding="utf-8")
    assert "Urgent-action" in text and "P-000001" in text
    for canary in CANARIES:
        assert canary not in text
