"""Public data releases from the browser: the same `publish` as the CLI, aggregated tables
only, every number in the ledger, one zip download with no name, no id and no suppressed
value in it; bad input refused before anything is written."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import sqlite3
import zipfile
from pathlib import Path

from refwatch.counting.ledger import read_entry
from refwatch.publish.artifacts import releases_root
from tests.web.conftest import WebEnv, csrf_of
from tests.web.evidence_helpers import PERSON_ID, audit_rows, post_form
from tests.web.test_factsheet_pages import loaded, names_in, rows

__all__ = ["loaded", "rows"]  # the fact-sheet tests' fixtures: a list that passes control

RELEASE_URL = re.compile(r"^/releases/([0-9a-f]{24})$")
FORM = {"from": "2017-07-01", "to": "2017-09-30", "threshold": "5"}


def _make(client: object, **fields: object) -> str:
    answer = post_form(client, "/releases", {**FORM, "format": ["csv", "json", "sqlite"], **fields})
    assert answer.status_code == 303, answer.text[:2000]
    found = RELEASE_URL.match(answer.headers["location"])
    assert found
    return found.group(1)


def test_an_analyst_makes_a_release_and_downloads_it_without_names_ids_or_small_cells(
    loaded: WebEnv, rows: list[dict[str, str]], tmp_path: Path
) -> None:
    analyst = loaded.sign_in("analyst")
    release_id = _make(analyst)
    folder = releases_root(loaded.workspace) / release_id
    assert folder.stat().st_mode & 0o077 == 0
    info = json.loads((folder / "release.json").read_text("utf-8"))
    assert info["ledger_ids"] and all(
        read_entry(loaded.workspace, i)["actor"] == "web:analyst" for i in info["ledger_ids"]
    )
    page = analyst.get(f"/releases/{release_id}")
    assert page.status_code == 200
    assert f'id="suppressed-cells">{info["suppressed_cells"]}<' in page.text
    zipped = analyst.get(f"/releases/{release_id}.zip")
    assert zipped.status_code == 200
    assert zipped.headers["cache-control"] == "no-store"
    assert zipped.headers["content-disposition"].startswith("attachment; filename=")
    archive = zipfile.ZipFile(io.BytesIO(zipped.content))
    names = archive.namelist()
    assert len(names) == len(info["files"]) and not any(n.endswith("persons.csv") for n in names)
    assert any(n.endswith(".sqlite") or n.endswith(".db") for n in names)
    people = names_in(rows)
    suppressed = 0
    for name in names:
        body = archive.read(name)
        if name.endswith(".csv") or name.endswith(".json"):
            text = body.decode("utf-8")
            assert PERSON_ID.findall(text) == [], name
            assert not [p for p in people if p in text], name
        if name.endswith(".csv"):
            table = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
            assert table[0]["at_least"].startswith("#")  # the HXL hashtag row
            cells = table[1:]
            assert cells, name
            for cell in cells:
                # a published cell is suppressed (empty, marked) or has at least 5 persons
                if cell["note"]:
                    assert cell["at_least"] == cell["at_most"] == "", (name, cell)
                else:
                    assert int(cell["at_most"]) == 0 or int(cell["at_most"]) >= 5, (name, cell)
            suppressed += sum(1 for cell in cells if cell["note"])
    assert suppressed == info["suppressed_cells"] > 0
    sqlite_name = next(n for n in names if n.endswith((".sqlite", ".db")))
    path = tmp_path / "release.db"
    path.write_bytes(archive.read(sqlite_name))
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert tables
    assert [r.details for r in audit_rows(loaded.workspace, "publish.release")]


def test_bad_input_is_refused_before_anything_is_written(loaded: WebEnv) -> None:
    analyst = loaded.sign_in("analyst")
    for fields in (
        {"threshold": "0"},
        {"threshold": "many"},
        {"from": "2017-13"},
        {"format": ["xlsx"]},
        {"format": []},
    ):
        answer = post_form(analyst, "/releases", {**FORM, "format": ["csv"], **fields})
        assert answer.status_code == 422, fields
        assert 'id="release-error"' in answer.text
    assert not releases_root(loaded.workspace).exists() or not any(
        releases_root(loaded.workspace).iterdir()
    )


def test_viewers_are_refused_and_unknown_releases_are_not_found(loaded: WebEnv) -> None:
    viewer = loaded.sign_in("viewer")
    assert viewer.get("/releases").status_code == 403
    assert post_form(viewer, "/releases", {**FORM, "format": ["csv"]}).status_code == 403
    analyst = loaded.sign_in("analyst")
    for url in ("/releases/" + "0" * 24, "/releases/" + "0" * 24 + ".zip", "/releases/../x"):
        assert analyst.get(url).status_code == 404


def test_a_korean_refusal_is_korean_and_the_english_one_unchanged(loaded: WebEnv) -> None:
    analyst = loaded.sign_in("analyst")
    korean = {"Accept-Language": "ko-KR,ko;q=0.9"}
    for fields, said, english in (
        ({"threshold": "0"}, "공개 기준값은 1에서 100 사이여야 합니다.", "between 1 and 100"),
        ({"from": "2017-10-01"}, "시작 날짜 2017-10-01보다 앞섭니다", "is before"),
        ({"from": "2017-13"}, "EDTF 날짜가 아닙니다: '2017-13'", "not an EDTF date"),
    ):
        form = {**FORM, "format": ["csv"], **fields}
        answer = analyst.post(
            "/releases", data={**form, "csrf_token": csrf_of(analyst)}, headers=korean
        )
        assert answer.status_code == 422, fields
        error = re.search(r'id="release-error">([^<]*)<', html.unescape(answer.text))
        assert error is not None and said in error.group(1), fields
        assert english not in answer.text
        assert english in post_form(analyst, "/releases", form).text
