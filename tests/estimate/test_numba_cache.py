"""Numba's compiled estimation code is cached per version of its sources, never stale."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from refwatch.estimate import numba_cache

PACKAGE = Path(numba_cache.__file__).parent


def _run(code: str, env: dict[str, str]) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return done.stdout.strip()


def test_an_edit_of_any_compiled_source_changes_the_cache_folder(tmp_path: Path) -> None:
    for name in numba_cache.SOURCES:
        shutil.copy(PACKAGE / name, tmp_path / name)
    same = numba_cache.sources_digest(tmp_path)
    assert same == numba_cache.sources_digest(PACKAGE)
    for name in numba_cache.SOURCES:
        original = (tmp_path / name).read_bytes()
        (tmp_path / name).write_bytes(original + b"\n# edited\n")
        assert numba_cache.sources_digest(tmp_path) != same, name
        (tmp_path / name).write_bytes(original)
    assert numba_cache.sources_digest(tmp_path) == same


def test_compiled_draws_are_cached_in_this_versions_folder(tmp_path: Path) -> None:
    code = (
        "from refwatch.estimate import rng\n"
        "st, _ = rng.new_state(1)\n"
        "rng.uniform(st)\n"
        "import numba; print(numba.config.CACHE_DIR)"
    )
    folder = Path(_run(code, {"XDG_CACHE_HOME": str(tmp_path)}))
    assert folder == tmp_path / "refwatch" / "numba" / numba_cache.sources_digest()
    assert list(folder.rglob("rng.uniform-*.nbi")), "Numba wrote no cache there"


def test_a_cache_folder_the_user_chose_is_kept(tmp_path: Path) -> None:
    chosen = tmp_path / "mine"
    code = "from refwatch.estimate import rng\nimport numba; print(numba.config.CACHE_DIR)"
    shown = _run(code, {"NUMBA_CACHE_DIR": str(chosen), "XDG_CACHE_HOME": str(tmp_path)})
    assert Path(shown) == chosen
    assert not (tmp_path / "refwatch").exists()


def test_folders_of_other_versions_go_when_unused_for_a_month(tmp_path: Path) -> None:
    root = tmp_path / "refwatch" / "numba"
    old, recent = root / "0123456789abcdef", root / "fedcba9876543210"
    for folder in (old, recent):
        folder.mkdir(parents=True)
        (folder / "x.nbi").write_bytes(b"")
    month_ago = time.time() - numba_cache.KEEP_UNUSED_SECONDS - 60
    os.utime(old, (month_ago, month_ago))
    code = "from refwatch.estimate import rng\nimport numba; print(numba.config.CACHE_DIR)"
    current = Path(_run(code, {"XDG_CACHE_HOME": str(tmp_path)}))
    assert current.is_dir() and recent.is_dir()
    assert not old.exists()


def test_a_home_folder_that_cannot_be_written_leaves_numbas_default() -> None:
    code = "from refwatch.estimate import rng\nimport numba; print(repr(numba.config.CACHE_DIR))"
    for home in ("/proc", ""):  # read-only; none at all
        shown = _run(code, {"HOME": home, "XDG_CACHE_HOME": ""})
        assert shown == "''", home  # not "/.cache/…": an empty HOME is no home


def test_a_child_process_chooses_by_its_own_sources_not_its_parents(tmp_path: Path) -> None:
    # what a parent that chose a folder passes down to a child, say one running another
    # checkout: the child must not take it for a folder the user chose
    parents = str(tmp_path / "parent-choice")
    code = "from refwatch.estimate import rng\nimport numba; print(numba.config.CACHE_DIR)"
    env = {"NUMBA_CACHE_DIR": parents, numba_cache.CHOSEN_HERE: parents}
    shown = Path(_run(code, {**env, "XDG_CACHE_HOME": str(tmp_path)}))
    assert shown == tmp_path / "refwatch" / "numba" / numba_cache.sources_digest()
    assert shown.stat().st_mode & 0o077 == 0
