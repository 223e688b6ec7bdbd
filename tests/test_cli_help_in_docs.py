"""The `--help` text the docs quote is the command's: a code block in docs/ that starts
with `$ refwatch ... --help` must hold exactly what that command prints (trailing spaces
aside), so an option renamed or a docstring reworded without the docs fails here."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer.rich_utils
from typer.testing import CliRunner

from refwatch.cli import app

DOCS = Path(__file__).resolve().parents[1] / "docs"
BLOCK = re.compile(r"^```[a-z]*\n(\$ refwatch [^\n]*--help)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _tidy(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


def quoted_helps() -> list[tuple[str, str, str]]:
    """(file, command line, text shown) of each quoted --help in the docs."""
    return [
        (path.name, found.group(1), found.group(2))
        for path in sorted(DOCS.glob("*.md"))
        for found in BLOCK.finditer(path.read_text(encoding="utf-8"))
    ]


def test_the_docs_quote_at_least_one_help_text() -> None:
    assert quoted_helps(), "no `$ refwatch ... --help` block found in docs/"


@pytest.mark.parametrize(("doc", "command", "shown"), quoted_helps())
def test_a_quoted_help_text_is_what_the_command_prints(
    doc: str, command: str, shown: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The docs show an 80-column terminal, whatever TERMINAL_WIDTH this run was given.
    monkeypatch.setattr(typer.rich_utils, "MAX_WIDTH", 80)
    args = shlex.split(command)[2:]  # after "$ refwatch"
    result = CliRunner().invoke(app, args, prog_name="refwatch", env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert _tidy(result.output) == _tidy(shown), f"{doc}: {command}"
