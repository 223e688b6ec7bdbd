"""`refwatch claims add|list|remove`, `refwatch accept` and the claims in `refwatch check`,
through Typer's runner: hostile input first, then the round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refwatch.cli import app
from refwatch.cli.claims import MAX_REVIEWED_BYTES
from tests.conftest import PASSPHRASE, row, write_csv
from tests.intake.test_extract_accept import reviewed

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    workspace = tmp_path / "ws"
    monkeypatch.setenv("REFWATCH_WORKSPACE", str(workspace))
    monkeypatch.setenv("REFWATCH_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("REFWATCH_ACTOR", "cli-test")
    code, _, err = invoke("init")
    assert code == 0, err
    return workspace


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_bad_claims_are_refused_with_the_field_named(env: Path, tmp_path: Path) -> None:
    base = ["claims", "add", "--source", "Org X", "--number", "41"]
    for extra, said in [
        (["--qualifier", "roughly"], "'qualifier'"),
        (["--event", "abduction"], "'event'"),
        (["--place", "Atlantis"], "'place'"),
        (["--from", "2017-09", "--to", "2017-07"], "ends before it starts"),
        (["--flag", "vip"], "'flags'"),
    ]:
        code, _, err = invoke(*base, *extra)
        assert code == 2, extra
        assert said in err, (extra, err)
    code, _, err = invoke("claims", "add", "--source", "Org X", "--number", "-3")
    assert code == 2 and "'number'" in err
    code, _, err = invoke(*base, "--text-file", str(tmp_path / "missing.txt"))
    assert code == 2 and "no such file" in err
    code, out, _ = invoke("claims", "list", "--json")
    assert json.loads(out) == {"claims": []}


def test_a_hostile_reviewed_file_is_refused_and_nothing_is_written(
    env: Path, tmp_path: Path
) -> None:
    bad = reviewed()
    bad["claims"][0]["number"] = -41
    negative = _write(tmp_path, "negative.json", bad)
    injected = reviewed()
    injected["claims"][0]["__proto__"] = {"admin": True}
    injected_path = _write(tmp_path, "injected.json", injected)
    unknown_place = reviewed()
    unknown_place["mentions"][0]["place"] = "kp-nowhere"
    place_path = _write(tmp_path, "place.json", unknown_place)
    big = tmp_path / "big.json"
    with open(big, "wb") as handle:
        handle.truncate(MAX_REVIEWED_BYTES + 1)
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b'{"claims": [\xff\xfe')
    not_json = tmp_path / "not.json"
    not_json.write_text('{"claims": [}', encoding="utf-8")
    for path, said in [
        (negative, "claims[0].number"),
        (injected_path, "claims[0].__proto__"),
        (place_path, "mentions[0].place"),
        (big, "MiB"),
        (garbage, "not UTF-8"),
        (not_json, "not JSON"),
    ]:
        code, _, err = invoke("accept", str(path), "--source", "Org X")
        assert code == 2, path.name
        assert said in err, (path.name, err)
        assert "canary" not in err
    code, out, _ = invoke("claims", "list", "--json")
    assert json.loads(out) == {"claims": []}
    code, out, _ = invoke("status", "--json")
    assert code == 0


def test_claims_are_added_listed_checked_and_removed(env: Path, tmp_path: Path) -> None:
    rows = [
        row(
            source="Family contacts",
            record_id=f"R{i}",
            name_latin=f"Person Number{i}",
            apprehended_on=f"2017-07-1{i}",
            apprehended_at="Changbai",
            status="detained",
        )
        for i in range(3)
    ]
    code, _, err = invoke("import", str(write_csv(tmp_path / "list.csv", rows)))
    assert code == 0, err
    sentence = tmp_path / "sentence.txt"
    sentence.write_text("canary-cli-6610: at most two were detained.", encoding="utf-8")
    code, out, err = invoke(
        "claims", "add", "--source", "Org X", "--published-on", "2017-09-14",
        "--number", "2", "--qualifier", "at_most", "--event", "detention",
        "--from", "2017-07", "--to", "2017-08", "--text-file", str(sentence),
    )  # fmt: skip
    assert code == 0, err
    assert out.strip().startswith(
        "Recorded: Org X, 2017-09-14: at most 2 detained, July–August 2017 ["
    )
    code, out, _ = invoke(
        "claims", "add", "--source", "Org X", "--published-on", "2017-09-14",
        "--number", "2", "--qualifier", "at_most", "--event", "detention",
        "--from", "2017-07", "--to", "2017-08", "--text-file", str(sentence), "--json",
    )  # fmt: skip
    again = json.loads(out)
    assert again["created"] is False
    code, out, _ = invoke("claims", "list")
    assert "canary-cli-6610" not in out and "at most 2 detained" in out
    code, out, _ = invoke("claims", "list", "--show-text")
    assert "canary-cli-6610" in out
    # check: a contradiction is a warning, not a failure (exit 0).
    code, out, _ = invoke("check")
    assert code == 0
    assert (
        "warning: claim: Org X, 2017-09-14: at most 2 detained, July–August 2017: Org X says "
        "at most 2, we document at least 3: inconsistent" in out
    )
    code, out, _ = invoke("check", "--json")
    checks = json.loads(out)["checks"]
    (claim,) = [c for c in checks if c["check"].startswith("claim: ")]
    assert claim["details"]["verdict"] == "contradiction" and claim["ok"] is False
    assert "canary" not in out
    code, out, _ = invoke("claims", "remove", again["id"])
    assert code == 0
    code, _, err = invoke("claims", "remove", again["id"])
    assert code == 2 and "no claim" in err
    code, out, _ = invoke("audit", "verify", "--json")
    assert json.loads(out)["ok"] is True


def test_accept_writes_evidence_once(env: Path, tmp_path: Path) -> None:
    path = _write(tmp_path, "reviewed.json", reviewed())
    args = ("accept", str(path), "--source", "Org X", "--reported-on", "2017-09-14")
    code, out, err = invoke(*args)
    assert code == 0, err
    assert out.strip() == (
        "reviewed.json: mentions 1 new, 0 updated, 0 unchanged; claims 1 new, 0 unchanged; "
        "observations 1 new, 0 unchanged."
    )
    code, out, _ = invoke(*args, "--json")
    summary = json.loads(out)
    assert summary["mentions"] == {"new": 0, "updated": 0, "unchanged": 1}
    assert summary["claims"] == {"new": 0, "unchanged": 1}
    code, out, _ = invoke("claims", "list")
    assert "Org X, 2017-09-14: at least 41 detained, July–August 2017" in out


def test_extract_with_accept_does_what_accept_does(env: Path, tmp_path: Path) -> None:
    text = tmp_path / "release.txt"
    text.write_text("China has detained at least 41 in July and August 2017.", encoding="utf-8")
    path = _write(tmp_path, "reviewed.json", reviewed())
    code, _, err = invoke("extract", str(text), "--accept", str(path))
    assert code == 2 and "--accept needs --source" in err
    args = ("extract", str(text), "--accept", str(path), "--source", "Org X", "--json")
    code, out, err = invoke(*args, "--reported-on", "2017-09-14")
    assert code == 0, err
    assert json.loads(out)["claims"] == {"new": 1, "unchanged": 0}
    code, out, err = invoke("accept", str(path), "--source", "Org X", "--reported-on", "2017-09-14")
    assert code == 0 and "Nothing changed." in out
