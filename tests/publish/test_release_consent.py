"""A person-level release leaves out the persons whose consent does not allow anonymised
statistics, before its k-anonymity check, and says how many (never which)."""

from __future__ import annotations

import csv
from pathlib import Path

from refwatch.publish import publish
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace
from tests.conftest import row
from tests.counting.conftest import import_rows

SDC = {"source": "Seoul Documentation Center", "source_type": "ngo_list"}
CONSENTS = {0: "no_use", 1: "internal", 2: "none", 3: "statistics", 4: "publication"}


def test_persons_without_consent_to_statistics_are_left_out_of_the_person_table(
    workspace: Workspace, cipher: FieldCipher, tmp_path: Path
) -> None:
    rows = [
        row(
            **SDC,
            record_id=f"S-{i}",
            sex="F",
            age="30",
            apprehended_on="2017-07-13",
            apprehended_at="Tumen",
            held_at="Tumen border detention center",
            status="detained",
            consent=CONSENTS.get(i, ""),
        )
        for i in range(12)
    ]
    import_rows(workspace, cipher, tmp_path / "lists", rows)
    out = tmp_path / "release"
    release = publish(
        workspace,
        out,
        period_from="2017-07",
        period_to="2017-07",
        as_of="2017-09-30",
        persons=True,
        formats=["csv"],
        actor="test",
    )
    assert release.persons == 9 and release.persons_withheld == 3
    with open(out / "persons.csv", encoding="utf-8") as handle:
        published = list(csv.DictReader(handle))[1:]
    assert len(published) == 9
    text = (out / "persons.csv").read_text(encoding="utf-8")
    assert "P-0" not in text and "no_use" not in text
