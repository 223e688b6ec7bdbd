"""The README's `refwatch extract` example is what the command prints: a change to the
extractor that changes the example fails here until the README says the same."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from refwatch.cli import app

README = Path(__file__).parents[3] / "README.md"
RELEASE = (
    "Seoul, 14 September 2017. A rescue network reports that Chinese police detained at "
    "least 41 North Koreans in July and August 2017, in Changbai and in Xishuangbanna. "
    "Kim Ae-ran, 67, from Hyesan, was forcibly returned through Tumen.\n"
)


def _example() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("$ refwatch extract release.txt\n") + len("$ refwatch extract release.txt\n")
    return text[start : text.index("```", start)]


def test_the_readme_shows_what_extract_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(tmp_path / "ws"))
    Path("release.txt").write_text(RELEASE, encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", "release.txt"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == _example().strip()
    # The example stays synthetic and its sentence is the one shown.
    assert "Kim Ae-ran" in _example() and RELEASE.split(". ", 1)[1].split(" Kim")[0] in _example()
