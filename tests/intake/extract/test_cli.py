"""`refwatch extract FILE`: hostile files first, then that it never writes a workspace or
logs the text, then that it works."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refwatch.cli import app
from refwatch.intake.extract import Extraction
from refwatch.intake.extract.source import MAX_BYTES

runner = CliRunner()
CANARY = "Kim Kanari-sek"
TEXT = (
    "Seoul, 14 September 2017. China has detained at least 41 North Koreans in July and "
    f"August 2017. My sister {CANARY}, 34, from Musan, was sent back in September 2017.\n"
)


@pytest.fixture
def no_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace path that does not exist, and a working folder to watch."""
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.delenv("REFWATCH_PASSPHRASE", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path


def _fails(args: list[str], *needles: str) -> str:
    result = runner.invoke(app, ["extract", *args])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    for needle in needles:
        assert needle in result.stderr, result.stderr
    return result.stderr


def test_missing_file_folder_and_device_are_refused(no_workspace: Path) -> None:
    _fails([str(no_workspace / "nope.txt")], "nope.txt", "no such file")
    _fails([str(no_workspace)], "is a folder")
    _fails(["/dev/zero"], "/dev/zero", "not a regular file")
    link = no_workspace / "zero.txt"
    link.symlink_to("/dev/zero")
    _fails([str(link)], "zero.txt", "not a regular file")


def test_a_named_pipe_is_refused_without_blocking(no_workspace: Path) -> None:
    fifo = no_workspace / "pipe.txt"
    os.mkfifo(fifo)
    _fails([str(fifo)], "pipe.txt", "not a regular file")


def test_binary_and_non_utf8_files_are_refused_without_quoting_them(no_workspace: Path) -> None:
    binary = no_workspace / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + CANARY.encode())
    assert CANARY not in _fails([str(binary)], "photo.txt", "binary")
    latin1 = no_workspace / "latin1.txt"
    latin1.write_bytes(f"{CANARY}\nJos\xe9 was arrested.\n".encode("latin-1"))
    message = _fails([str(latin1)], "latin1.txt", "not UTF-8", "line 2")
    assert CANARY not in message


def test_a_file_over_the_limit_is_refused_before_reading(no_workspace: Path) -> None:
    big = no_workspace / "big.txt"
    with open(big, "wb") as handle:
        handle.truncate(MAX_BYTES + 1)  # sparse: nothing is written to disk
    _fails([str(big)], "big.txt", "too large")


def test_a_ten_megabyte_line_is_refused(no_workspace: Path) -> None:
    line = no_workspace / "line.txt"
    line.write_bytes(b"7" * (10 * 1024 * 1024))
    _fails([str(line)], "line.txt", "too large")


def test_text_too_long_in_characters_is_refused(no_workspace: Path) -> None:
    long = no_workspace / "long.txt"
    long.write_text("a " * 600_000, encoding="utf-8")  # 1.2 MB, 1.2 million characters
    _fails([str(long)], "long.txt", "too long")


def test_a_bad_reference_date_is_refused(no_workspace: Path) -> None:
    source = no_workspace / "t.txt"
    source.write_text(TEXT, encoding="utf-8")
    _fails([str(source), "--reference-date", "2017-13-01"], "--reference-date")
    _fails([str(source), "--reference-date", "last year"], "--reference-date")


def test_markup_and_escape_sequences_are_printed_harmlessly(no_workspace: Path) -> None:
    source = no_workspace / "t.txt"
    source.write_text(
        "[bold red]At least 5 people[/] were arrested in Tumen.\x1b]0;owned\x07\x1b[2J\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["extract", str(source)])
    assert result.exit_code == 0, result.output
    assert "[bold red]" in result.stdout  # shown as written, not interpreted
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout


def test_it_writes_nothing_and_logs_no_text(
    no_workspace: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = no_workspace / "account.txt"
    source.write_text(TEXT, encoding="utf-8")
    before = sorted(p.relative_to(no_workspace) for p in no_workspace.rglob("*"))
    with caplog.at_level(logging.DEBUG):
        result = runner.invoke(app, ["extract", str(source), "--json"])
    assert result.exit_code == 0, result.output
    after = sorted(p.relative_to(no_workspace) for p in no_workspace.rglob("*"))
    assert after == before
    assert not (no_workspace / "ws").exists()
    assert CANARY not in result.stderr
    assert all(CANARY not in record.getMessage() for record in caplog.records)


def test_as_a_process_it_writes_nothing_and_says_nothing_on_stderr(tmp_path: Path) -> None:
    source = tmp_path / "account.txt"
    source.write_text(TEXT, encoding="utf-8")
    env = {**os.environ, "REFWATCH_WORKSPACE": str(tmp_path / "ws"), "HOME": str(tmp_path)}
    env.pop("REFWATCH_PASSPHRASE", None)
    done = subprocess.run(
        [sys.executable, "-m", "refwatch.cli", "extract", str(source)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["account.txt"]
    assert CANARY.encode() in done.stdout  # the answer itself shows the sentence


def test_json_is_the_proposal_file_and_reads_back(no_workspace: Path) -> None:
    source = no_workspace / "release.txt"
    source.write_text(TEXT, encoding="utf-8")
    result = runner.invoke(
        app, ["extract", str(source), "--json", "--reference-date", "2017-09-14"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    proposals = Extraction.from_json(data, file="release.json")
    (claim,) = proposals.claims
    assert (claim.number, claim.qualifier, claim.event) == (41, "at_least", "detention")
    assert (claim.date_from, claim.date_to) == ("2017-07", "2017-08")
    (mention,) = proposals.mentions
    assert mention.names_latin == (CANARY,) and mention.age == 34
    assert mention.origin == "kp-hamgyongbuk-musan" and mention.status == "returned"
    assert TEXT[claim.start : claim.end] == claim.text


def test_human_output_lists_each_proposal_with_its_sentence(no_workspace: Path) -> None:
    source = no_workspace / "release.txt"
    source.write_text(TEXT, encoding="utf-8")
    result = runner.invoke(app, ["extract", str(source)])
    assert result.exit_code == 0, result.output
    assert "1 claim(s), 1 mention(s)" in result.stdout
    assert "at least 41 detention, 2017-07 to 2017-08" in result.stdout
    assert "China has detained at least 41" in result.stdout
    assert "Nothing is evidence until reviewed and accepted" in result.stdout
