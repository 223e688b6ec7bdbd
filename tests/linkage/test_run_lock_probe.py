"""`held_elsewhere`: the web workers' look at the linkage lock, on both engines. It must
see a lock another holder has, and never take the lock itself (a probe that did, even for
a moment, could make a real run starting at that moment be refused)."""

from __future__ import annotations

import threading

from refwatch.linkage.run_lock import LinkageBusy, held_elsewhere, linkage_lock
from refwatch.store.workspace import Workspace


def test_the_probe_sees_the_lock_and_never_takes_it(workspace: Workspace) -> None:
    assert not held_elsewhere(workspace)
    with linkage_lock(workspace):
        assert held_elsewhere(workspace)
    assert not held_elsewhere(workspace)

    stop = threading.Event()

    def probe() -> None:
        while not stop.is_set():
            held_elsewhere(workspace)

    prober = threading.Thread(target=probe)
    prober.start()
    refused = 0
    try:
        for _ in range(200):
            try:
                with linkage_lock(workspace):
                    pass
            except LinkageBusy:
                refused += 1
    finally:
        stop.set()
        prober.join()
    assert refused == 0, "probing took the lock from a run starting at the same time"
