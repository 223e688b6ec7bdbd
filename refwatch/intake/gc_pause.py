"""Cyclic garbage collection paused while an import reads and builds its rows.

Why: an import makes hundreds of thousands of small dicts, tuples and records that all stay
alive until the bulk insert, and every full collection walks all of them again: measured
with benchmarks/import_speed.py, those walks cost a fifth to a third of an import's time,
and most of its run-to-run spread. The rows form no reference cycles, so reference
counting still frees whatever is dropped; when the last import ends, collection is
switched back on (if it was on) and runs as usual. Concurrent imports (web threads) share
one pause. A linkage run pauses through the same counter (it too holds millions of small
objects until it ends: at 113,997 mentions 17.7 s with the pause, 24.6 s without), so an
import and a run in one process end the pause together.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
