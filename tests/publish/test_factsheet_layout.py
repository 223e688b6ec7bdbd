"""The PDF fact sheet's layout, read from WeasyPrint's own page boxes (the text each page
holds): a table stays on one page with its heading and its note, wherever the page break
falls, and the map's legend is whole text on the page, not clipped inside the image.

No PDF text extractor is installed; `HTML(...).render()` gives the laid-out pages that
`write_pdf` writes, so the pages are the PDF's pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner
from weasyprint import HTML  # type: ignore[import-untyped]

from refwatch.cli import app
from refwatch.publish import charts
from tests.conftest import PASSPHRASE, row, write_csv

pytestmark = pytest.mark.slow
runner = CliRunner()
HEADING = '<section class="block">\n<h2>Vulnerability'
NOTE = '"Older persons" here are women and men'


def _texts(box: Any, into: list[str]) -> list[str]:
    if text := getattr(box, "text", None):
        into.append(text)
    for child in getattr(box, "children", None) or []:
        _texts(child, into)
    return into


def pages(html: str, base: Path) -> list[str]:
    document = HTML(string=html, base_url=str(base)).render()
    return [" ".join(_texts(page._page_box, [])) for page in document.pages]


@pytest.fixture(scope="module")
def sheet_html(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    root = tmp_path_factory.mktemp("factsheet")
    env = {"REFWATCH_WORKSPACE": str(root / "ws"), "REFWATCH_PASSPHRASE": PASSPHRASE}
    assert runner.invoke(app, ["init"], env=env).exit_code == 0
    flags = ("child", "older", "ill", "", "pregnant;ill", "", "child", "")
    rows = [
        row(
            source="Seoul Documentation Center",
            source_type="ngo_list",
            record_id=str(i),
            apprehended_on="2017-07-13",
            apprehended_at=("Tumen", "Yanji", "Shenyang", "Dandong")[i % 4],
            status="detained",
            flags=flags[i],
        )
        for i in range(8)
    ]
    listed = write_csv(root / "l.csv", rows)
    assert runner.invoke(app, ["import", str(listed)], env=env).exit_code == 0
    out = root / "fs"
    made = runner.invoke(
        app, ["factsheet", "--from", "2017-07", "--to", "2017-08", "--out", str(out)], env=env
    )
    assert made.exit_code == 0, made.output
    return (out / "factsheet.html").read_text(encoding="utf-8"), out


def test_a_table_is_never_split_from_its_heading_or_across_pages(
    sheet_html: tuple[str, Path],
) -> None:
    html, base = sheet_html
    assert HEADING in html and NOTE in html
    # Push the Vulnerability table down a fresh page millimetre by millimetre, so that the
    # page break falls before its heading, after it, between its rows and after its note.
    split = []
    for height in range(150, 262, 8):
        spacer = f'<div style="break-before: page; height: {height}mm"></div>'
        laid_out = pages(html.replace(HEADING, spacer + HEADING), base)
        with_heading = [p for p in laid_out if "Vulnerability (a person may have several)" in p]
        assert len(with_heading) == 1, height
        page = with_heading[0]
        # The heading, the header row, the first row and the note below: one page.
        if "flag at least up to child" not in page or NOTE not in page:
            split.append(height)
    assert split == []


def test_the_harness_sees_a_split_table_when_the_rules_are_taken_away(
    sheet_html: tuple[str, Path],
) -> None:
    html, base = sheet_html
    loose = html.replace("section.block { break-inside: avoid; page-break-inside: avoid; }", "")
    assert loose != html
    split = 0
    for height in range(150, 262, 8):
        spacer = f'<div style="break-before: page; height: {height}mm"></div>'
        laid_out = pages(loose.replace(HEADING, spacer + HEADING), base)
        page = next(p for p in laid_out if "Vulnerability (a person may have several)" in p)
        split += NOTE not in page
    assert split > 0


def test_the_map_legend_is_whole_text_on_the_page_beside_the_map(
    sheet_html: tuple[str, Path],
) -> None:
    html, base = sheet_html
    legend = "its area shows the persons whose custody began there (up to)"
    laid_out = pages(html, base)
    with_map = [p for p in laid_out if "Where custody began" in p and legend in p]
    assert len(with_map) == 1
    # The image itself carries no legend text that a PDF font could cut short.
    svg = charts.place_map([{"lon": 129.8, "lat": 42.96, "at_most": 5}], "Where custody began")
    assert "persons (up" not in svg
