"""The files in deploy/: the systemd units parse (systemd-analyze verify, which reports an
unknown or malformed setting on stderr) and keep their hardening; the backup script's
rotation keeps what it promises and deletes nothing else; the script end to end on a real
workspace (backup, restore drill, rotation); the Caddyfile adapts."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest

from refwatch.store.workspace import Workspace
from tests.conftest import IN_CI, PASSPHRASE

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
VENV_BIN = Path(sys.executable).parent
HARDENING = (
    "NoNewPrivileges=yes",
    "ProtectSystem=strict",
    "ProtectHome=yes",
    "PrivateTmp=yes",
    "UMask=0077",
    "CapabilityBoundingSet=",
    "RestrictSUIDSGID=yes",
)


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("refwatch_backup", DEPLOY / "refwatch-backup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _installable(unit: str, tmp_path: Path) -> Path:
    """The unit with its paths pointed at this machine, for systemd-analyze."""
    text = (DEPLOY / unit).read_text()
    text = text.replace("/opt/refwatch/.venv/bin/", f"{VENV_BIN}/")
    text = text.replace("User=refwatch", "User=root").replace("Group=refwatch", "Group=root")
    out = tmp_path / unit
    out.write_text(text)
    return out


def _verify(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["systemd-analyze", "verify", str(path)], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("unit", ["refwatch.service", "refwatch-backup.service"])
def test_the_units_keep_their_hardening(unit: str) -> None:
    lines = {line.strip() for line in (DEPLOY / unit).read_text().splitlines()}
    for option in HARDENING:
        assert option in lines, f"{unit} lost {option}"
    assert any(line.startswith("LoadCredentialEncrypted=refwatch-key:") for line in lines)
    assert not any("PASSPHRASE" in line for line in lines), "no passphrase in a unit file"


@pytest.mark.parametrize(
    "unit", ["refwatch.service", "refwatch-backup.service", "refwatch-backup.timer"]
)
def test_the_units_parse(unit: str, tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        if IN_CI:
            pytest.fail("CI needs systemd-analyze")
        pytest.skip("systemd-analyze is not installed")
    if unit.endswith(".timer"):
        _installable("refwatch-backup.service", tmp_path)
    checked = _verify(_installable(unit, tmp_path))
    assert checked.returncode == 0 and checked.stderr.strip() == "", checked.stderr
    # The verifier is awake: a misspelt hardening option is reported.
    broken = tmp_path / "broken.service"
    broken.write_text(
        _installable("refwatch.service", tmp_path).read_text().replace("ProtectHome", "ProtectHom")
    )
    assert "Unknown key" in _verify(broken).stderr


def _names(start: datetime, days: int, per_day: int = 1) -> list[str]:
    backup_name = _script().backup_name
    return [
        backup_name(start - timedelta(days=d, hours=h)) for d in range(days) for h in range(per_day)
    ]


def test_rotation_keeps_days_weeks_and_months() -> None:
    script = _script()
    now = datetime(2026, 12, 6, 2, 30, tzinfo=UTC)
    names = _names(now, 400, per_day=2)
    keep = script.to_keep(names, 7, 5, 12)
    kept = sorted((script.taken_at(n) for n in keep), reverse=True)
    assert kept[0] == now, "the newest is always kept"
    days = {k.date() for k in kept}
    assert all((now - timedelta(days=d)).date() in days for d in range(7))
    assert len({k.strftime("%Y-%m") for k in kept}) == 12
    assert len({k.isocalendar()[:2] for k in kept}) >= 5
    # At most one a day, and nothing older than the 12 months kept.
    assert len(kept) == len(days) <= 7 + 5 + 12
    assert min(kept) > now - timedelta(days=370)
    deleted = script.to_delete(names, 7, 5, 12)
    assert set(deleted) | keep == set(names) and not set(deleted) & keep


def test_rotation_never_touches_other_files_and_keeps_a_lone_backup() -> None:
    script = _script()
    now = datetime(2026, 12, 6, tzinfo=UTC)
    strangers = ["notes.txt", "refwatch-20260101.rwbackup", "refwatch-x.rwbackup.partial"]
    names = [*strangers, *_names(now, 30)]
    assert not set(script.to_delete(names, 1, 0, 0)) & set(strangers)
    assert script.to_delete(names[:3] + names[-1:], 0, 0, 0) == []


def test_the_script_backs_up_drills_and_rotates(
    workspace: Workspace, tmp_path: Path, engine_name: str
) -> None:
    if engine_name != "sqlite":
        pytest.skip("the script only calls the CLI; one engine is enough")
    script = _script()
    folder = tmp_path / "backups"
    folder.mkdir()
    old = [script.backup_name(datetime(2020, 1, d, tzinfo=UTC)) for d in (1, 2, 3)]
    for name in [*old, "keep-me.txt"]:
        (folder / name).write_bytes(b"old")
    env = {
        **os.environ,
        "REFWATCH_WORKSPACE": str(workspace.path),
        "REFWATCH_PASSPHRASE": PASSPHRASE,
    }
    env.pop("REFWATCH_DB", None)
    command = [sys.executable, str(DEPLOY / "refwatch-backup.py"), "--dir", str(folder)]
    done = subprocess.run(
        [*command, "--daily", "2", "--weekly", "0", "--monthly", "0", "--drill"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    left = sorted(p.name for p in folder.iterdir())
    assert "keep-me.txt" in left and old[2] in left and old[0] not in left
    new = [n for n in left if n not in old and n.endswith(".rwbackup")]
    assert len(new) == 1 and "restores" in done.stdout
    assert oct((folder / new[0]).stat().st_mode & 0o777) == "0o600"
    # A failing backup (wrong passphrase) deletes nothing.
    env["REFWATCH_PASSPHRASE"] = "not the passphrase at all"
    failed = subprocess.run(
        [*command, "--daily", "1", "--weekly", "0", "--monthly", "0"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert failed.returncode == 1
    assert sorted(p.name for p in folder.iterdir()) == left


def test_the_caddyfile_adapts() -> None:
    if shutil.which("caddy") is None:
        if IN_CI:
            pytest.fail("CI needs caddy (apt-get install caddy)")
        pytest.skip("caddy is not installed (apt-get install caddy)")
    adapted = subprocess.run(
        ["caddy", "adapt", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert adapted.returncode == 0, adapted.stderr
    assert "127.0.0.1:8000" in adapted.stdout
