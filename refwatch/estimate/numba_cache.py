"""Where Numba keeps the compiled estimation code: one folder per version of its sources.

Why: Numba keys the cache of a compiled function by that function's own file only. The
LCMCR sweep (`lcmcr_sampler.py`) inlines the draws of `rng.py`, so after an edit of
`rng.py` alone the cached sweep would go on running the old draws, silently (seen in
development). Naming the cache folder by a digest of every compiled source file of the
package makes any edit start a fresh cache, and an unchanged checkout reuse its own.
A `NUMBA_CACHE_DIR` set by the user is left alone. The folders hold compiled code only
(no data), and are the user's own (mode 0700).
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import time
from pathlib import Path

import numba

#: the modules of this package with `cache=True` functions, and what they inline
SOURCES = ("rng.py", "lcmcr_sampler.py", "glm.py")
#: cache folders of other versions unused this long are removed
KEEP_UNUSED_SECONDS = 30 * 24 * 3600


#: where this module records the folder it chose, so that a child process (which inherits
#: NUMBA_CACHE_DIR) can tell it from a folder the user chose, and choose by its own sources
CHOSEN_HERE = "REFWATCH_NUMBA_CACHE_DIR"


def cache_root() -> Path:
    """$XDG_CACHE_HOME/refwatch/numba, or ~/.cache/...; RuntimeError if neither is an
    absolute path (a relative one would put the cache wherever the process runs)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, or relative: the XDG rules say ignore it
        # an empty HOME would make Path.home() the root folder
        home = os.environ["HOME"] if "HOME" in os.environ else str(Path.home())
        if not os.path.isabs(home):
            raise RuntimeError("no home folder for the compiled-code cache")
        base = os.path.join(home, ".cache")
    return Path(base) / "refwatch" / "numba"


def sources_digest(folder: Path = Path(__file__).parent) -> str:
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update(name.encode() + b"\0" + (folder / name).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@functools.cache
def use_versioned_cache() -> None:
    """Point Numba's cache at this version's folder (before any `cache=True` function is
    defined); on any error keep Numba's default, which only costs the stale-cache risk.
    Once per process: each module with compiled functions calls it."""
    given = os.environ.get("NUMBA_CACHE_DIR")
    if given and given != os.environ.get(CHOSEN_HERE):
        return
    try:
        root = cache_root()
        folder = root / sources_digest()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.utime(folder)
    except (OSError, RuntimeError):  # no home folder, read-only, a file missing
        return
    _remove_unused(root, keep=folder)
    # both: Numba re-reads its environment variables when one of them changes
    os.environ["NUMBA_CACHE_DIR"] = os.environ[CHOSEN_HERE] = str(folder)
    numba.config.CACHE_DIR = str(folder)  # type: ignore[attr-defined]


def _remove_unused(root: Path, keep: Path) -> None:
    cutoff = time.time() - KEEP_UNUSED_SECONDS
    try:
        others = list(root.iterdir())
    except OSError:
        return
    for other in others:
        try:
            if other != keep and other.is_dir() and other.stat().st_mtime < cutoff:
                shutil.rmtree(other, ignore_errors=True)
        except OSError:
            continue
