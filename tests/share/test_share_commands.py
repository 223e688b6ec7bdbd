"""`refwatch share encode` and `refwatch share link` from the command line: the secret
stays out of every output, bad input gives one line naming the file, and the histories
go straight into `refwatch estimate`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refwatch.cli import app
from refwatch.simulate.world import simulate_world
from refwatch.store.workspace import open_workspace
from tests.conftest import PASSPHRASE
from tests.share.conftest import audit_actions

runner = CliRunner()
SHARED = "a long shared secret for the command tests"


@pytest.fixture
def orgs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Three organisations' workspaces, each with one source imported and linked."""
    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("REFWATCH_ACTOR", "cli-test")
    monkeypatch.delenv("REFWATCH_WORKSPACE", raising=False)
    world = simulate_world(tmp_path / "world", people=90, sources=3, seed=3)
    folders = []
    for i, path in enumerate(world.case_lists):
        ws = tmp_path / f"ws{i}"
        for command in (["init"], ["import", str(path)], ["link"]):
            result = runner.invoke(app, ["-w", str(ws), *command])
            assert result.exit_code == 0, result.stderr
        folders.append(ws)
    return folders


def _encode(ws: Path, out: Path, label: str, *extra: str) -> object:
    return runner.invoke(
        app,
        ["-w", str(ws), "share", "encode", "--out", str(out), "--organisation", label, *extra],
    )


def test_encode_link_estimate_round_trip_without_the_secret_anywhere(
    orgs: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(SHARED + "\n", encoding="utf-8")
    files = []
    outputs = []
    for i, ws in enumerate(orgs):
        out = tmp_path / f"org{i}.jsonl"
        if i == 0:
            result = _encode(ws, out, f"Org {i}", "--secret-file", str(secret_file), "--json")
        else:
            monkeypatch.setenv("REFWATCH_SHARE_SECRET", SHARED)
            result = _encode(ws, out, f"Org {i}", "--json")
        assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
        outputs.append(result.stdout + result.stderr)  # type: ignore[attr-defined]
        files.append(out)
    monkeypatch.delenv("REFWATCH_SHARE_SECRET")
    histories = tmp_path / "histories.csv"
    linked = runner.invoke(
        app,
        ["share", "link", *map(str, files), "--out", str(histories), "--json",
         "--stratify", "period"],
    )  # fmt: skip
    assert linked.exit_code == 0, linked.stderr
    data = json.loads(linked.stdout)
    assert data["lists"] == ["Org 0", "Org 1", "Org 2"]
    assert data["persons"] == sum(row["count"] for row in data["histories"])
    assert data["mixture"]["estimated_matches"] > 0 and data["histogram"]
    assert all(Path(p).exists() for p in data["strata_files"])
    human = runner.invoke(app, ["share", "link", *map(str, files), "--out", str(histories)])
    assert "Threshold" in human.stdout and "#" in human.stdout
    estimated = runner.invoke(app, ["estimate", str(histories), "--json", "--nboot", "20"])
    assert estimated.exit_code == 0, estimated.stderr
    assert json.loads(estimated.stdout)["n_observed"] == data["persons"]
    for text in [*outputs, linked.stdout, *(f.read_text(encoding="utf-8") for f in files)]:
        assert SHARED not in text
    with open_workspace(orgs[0]) as ws:
        actions = audit_actions(ws)
    assert ("share.encode" in {a for a, _ in actions}) and not any(SHARED in d for _, d in actions)


def test_encode_refuses_without_a_good_secret(
    orgs: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "x.jsonl"
    monkeypatch.delenv("REFWATCH_SHARE_SECRET", raising=False)
    result = _encode(orgs[0], out, "Org")
    assert result.exit_code == 2 and "REFWATCH_SHARE_SECRET" in result.stderr  # type: ignore[attr-defined]
    monkeypatch.setenv("REFWATCH_SHARE_SECRET", "tooshort")
    result = _encode(orgs[0], out, "Org")
    assert result.exit_code == 2 and "at least 16 bytes" in result.stderr  # type: ignore[attr-defined]
    assert "tooshort" not in result.stderr + result.stdout  # type: ignore[attr-defined]
    monkeypatch.setenv("REFWATCH_SHARE_SECRET", SHARED)
    result = _encode(orgs[0], out, "Bad,label")
    assert result.exit_code == 2 and "label" in result.stderr  # type: ignore[attr-defined]
    assert not out.exists()
    missing = _encode(orgs[0], out, "Org", "--secret-file", str(tmp_path / "nope"))
    assert missing.exit_code == 2 and "secret file" in missing.stderr  # type: ignore[attr-defined]


def test_link_names_the_bad_file_and_line(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text('{"format": "refwatch-pprl", "version": 1}\n', encoding="utf-8")
    result = runner.invoke(
        app, ["share", "link", str(good), str(good), "--out", str(tmp_path / "h.csv")]
    )
    assert result.exit_code == 2
    assert "good.jsonl, line 1" in result.stderr
    result = runner.invoke(
        app, ["share", "link", str(good), "--out", str(tmp_path / "h.csv"), "--stratify", "sex"]
    )
    assert result.exit_code == 2 and "--stratify" in result.stderr
