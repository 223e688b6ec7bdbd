"""Hostile file names on the case-list upload (`X-File-Name`, percent-encoded by
static/intake.js): path traversal in every spelling, NUL, control characters, markup, a
300-character name, an empty one. Each gets a clear answer (no 5xx, no traceback), the
upload is never written to disk anywhere (in the workspace or outside it), and the
preview and commit either work, recording a name without any path in it, or refuse."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import select

from refwatch.store.schema import ImportBatch, Report, table_of
from tests import figures
from tests.web.conftest import WebEnv
from tests.web.evidence_helpers import count, post_form
from tests.web.test_intake_pages import upload

# (what the header carries, a short label)
NAMES = [
    ("../../x.csv", "dot-dot slash"),
    ("..\\..\\x.csv", "dot-dot backslash"),
    ("..\\x.csv", "one dot-dot backslash"),
    ("%2e%2e%2fx.csv", "percent-encoded dot-dot slash"),
    ("%2e%2e%5cx.csv", "percent-encoded dot-dot backslash"),
    ("%252e%252e%252fx.csv", "double-encoded dot-dot slash"),
    ("..%c0%afx.csv", "overlong UTF-8 slash"),
    ("/etc/x.csv", "absolute path"),
    ("C:\\Windows\\x.csv", "drive letter"),
    ("\\\\server\\share\\x.csv", "UNC path"),
    ("x%00.csv", "NUL before the suffix"),
    ("x.csv%00.txt", "NUL after the suffix"),
    ("%00", "only a NUL"),
    ("x%0d%0aSet-Cookie:%20a=b.csv", "CR LF"),
    ("%3Cscript%3Ealert(1)%3C%2Fscript%3E.csv", "markup"),
    ("a" * 296 + ".csv", "300 characters"),
    (quote("가" * 296 + ".csv"), "300 Hangul characters"),
    ("", "empty"),
    ("   ", "blank"),
    ("../", "only a directory"),
    ("%2F", "only an encoded slash"),
    (".csv", "only a suffix"),
    ("x.CSV", "upper-case suffix"),
]
TRACEBACK_MARKS = ("Traceback (most recent call last)", 'File "/', "sqlalchemy.exc")


def _csv(n: int) -> bytes:
    return (
        b"source,record_id,name_latin,apprehended_on,apprehended_at,status\n"
        + f"Named upload,N-{n},Choe Myong-nam,2017-07,Changbai,detained\n".encode()
    )


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_hostile_upload_names_get_a_clear_answer_and_nothing_lands_on_disk(
    web: WebEnv, tmp_path: Path
) -> None:
    browser = web.sign_in("researcher")
    root = web.workspace.path
    around = root.parent
    cwd = Path.cwd()
    before_around, before_cwd = _files(around), set(os.listdir(cwd))
    committed = 0
    for n, (header, label) in enumerate(NAMES):
        reports_before = count(web.workspace, Report)
        preview = upload(browser, header, _csv(n))
        assert preview.status_code < 500, (label, preview.status_code)
        assert not any(mark in preview.text for mark in TRACEBACK_MARKS), label
        assert "<script>alert(1)" not in preview.text, label
        assert count(web.workspace, Report) == reports_before, label  # a preview writes nothing
        if preview.status_code == 400:  # no usable name: said so
            assert "Choose a file to upload." in preview.text, label
            continue
        if preview.status_code == 422:  # refused with the reason, and nothing to commit
            assert 'name="token"' not in preview.text, label
            assert "file type" in preview.text, label
            continue
        assert preview.status_code == 200, label
        token = preview.text.split('name="token" value="')[1].split('"')[0]
        done = post_form(browser, "/intake/upload/commit", {"token": token})
        assert done.status_code == 303, (label, done.status_code, done.text[:300])
        assert count(web.workspace, Report) == reports_before + 1, label
        page = browser.get(done.headers["location"])
        assert page.status_code == 200, label
        assert not any(mark in page.text for mark in TRACEBACK_MARKS), label
        committed += 1
    with web.workspace.read() as conn:
        recorded = conn.execute(select(table_of(ImportBatch).c.file_name)).scalars().all()
    assert len(recorded) == committed > 0
    for name in recorded:  # a base name only: no directory part, no NUL, no line break
        assert not any(c in name for c in "/\\\x00\r\n"), name
        assert 0 < len(name) <= 200 and name not in (".", "..")
    # A long name is cut to 200 characters with its suffix kept, so it is still a CSV.
    assert {"a" * 196 + ".csv", "가" * 196 + ".csv"} <= set(recorded)
    assert "x.csv" in recorded  # "x<NUL>.csv" with the NUL dropped
    # Nothing was written next to the workspace, above it, or in the working directory:
    # the only new files are the database's own (SQLite journal files) inside it.
    new_around = _files(around) - before_around
    assert all(
        p.startswith(root.name + os.sep) and Path(p).name.startswith(("refwatch.db", "workspace"))
        for p in new_around
    ), new_around
    assert set(os.listdir(cwd)) - before_cwd == set()
    for spot in (root, root.parent, root.parent.parent, cwd, Path("/etc"), Path("/tmp")):
        assert not (spot / "x.csv").exists(), spot
    figures.record(
        "test_hostile_upload_names_get_a_clear_answer_and_nothing_lands_on_disk",
        "file names tried",
        len(NAMES),
    )
