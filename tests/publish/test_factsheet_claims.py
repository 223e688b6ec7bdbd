"""A fact sheet cites other organisations' claims about its period beside our own count,
with the sentence never shown and our small numbers withheld in the public edition."""

from __future__ import annotations

from pathlib import Path

import pytest

from refwatch.intake.claims import ClaimInput, record_claim
from refwatch.publish import build_factsheet
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace
from tests.conftest import row
from tests.counting.conftest import import_rows

SENTENCE = "canary-factsheet-9034: at least 41 were detained, said a source in Yanji."


@pytest.fixture
def records(workspace: Workspace, cipher: FieldCipher, tmp_path: Path) -> Workspace:
    """Twelve persons detained in Changbai in July 2017 and three at an unknown date of
    2017; three claims: one about July–August, one about a year, one open-ended."""
    rows = [
        row(
            source="Family contacts",
            record_id=f"R{i}",
            name_latin=f"Person Number{i}",
            apprehended_on=f"2017-07-{i + 1:02d}",
            apprehended_at="Changbai",
            status="detained",
        )
        for i in range(12)
    ] + [
        row(
            source="Family contacts",
            record_id=f"V{i}",
            name_latin=f"Vague {i}",
            apprehended_on="2017",
        )
        for i in range(3)
    ]
    import_rows(workspace, cipher, tmp_path / "lists", rows)
    claims = [
        ClaimInput(
            source="Organisation X",
            published_on="2017-09-14",
            number=41,
            qualifier="at_least",
            event="detention",
            period_from="2017-07",
            period_to="2017-08",
            text=SENTENCE,
        ),
        ClaimInput(
            source="Organisation Y",
            number=60,
            qualifier="about",
            event="detention",
            period_from="2017",
            period_to="2017",
        ),
        ClaimInput(
            source="Organisation Z",
            number=5,
            qualifier="exact",
            event="detention",
            period_from="2017-07",
        ),
    ]
    with workspace.write() as conn:
        for claim in claims:
            record_claim(conn, cipher, claim, actor="tester")
    return workspace


def test_claims_inside_the_period_are_cited_beside_our_count(
    records: Workspace, tmp_path: Path
) -> None:
    sheet = build_factsheet(
        records,
        period_from="2017-07",
        period_to="2017-08",
        out_dir=tmp_path / "internal",
        as_of="2017-09-30",
    )
    assert sheet.other_sources == [
        "Other sources: Organisation X, 2017-09-14: at least 41 detained, July–August 2017 "
        "(our evidence: at least 12, up to 15)"
    ]
    html = sheet.html.read_text(encoding="utf-8")
    assert "Organisation X, 2017-09-14: at least 41 detained, July–August 2017" in html
    assert "Organisation Y" not in html and "Organisation Z" not in html
    assert "canary-factsheet" not in html
    # Our number for the claim's question is in the ledger like every other number.
    assert len(sheet.ledger_ids) == len(set(sheet.ledger_ids))


def test_the_public_edition_withholds_a_small_count_of_ours(
    records: Workspace, tmp_path: Path
) -> None:
    sheet = build_factsheet(
        records,
        period_from="2017-07",
        period_to="2017-08",
        out_dir=tmp_path / "public",
        public=True,
        threshold=20,
        as_of="2017-09-30",
    )
    assert sheet.other_sources == [
        "Other sources: Organisation X, 2017-09-14: at least 41 detained, July–August 2017 "
        "(our evidence: fewer than 20 (exact number withheld))"
    ]
    assert "canary-factsheet" not in sheet.html.read_text(encoding="utf-8")
