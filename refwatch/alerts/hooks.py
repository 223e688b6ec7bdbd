"""Run the alert rules after every import, edit and linkage run.

Why a listener and not calls from intake and linkage: those rooms sit below alerts and may
not import it. Every change they make is committed through `Workspace.write` and audited,
so `refwatch.store.changes` hands each committed transaction's actions to its listeners;
this one re-evaluates the alerts when an action may have changed the evidence or person
links (the counting snapshot's own test, `changes_evidence`), and ignores reads,
sign-ins, exports and the alerts room's own writes. The CLI and the web app install it
when they load the alerts room (`install()` is idempotent, and cheap: the rules'
modules are imported on the first change); a script that imports
records through the library calls `install()` itself, or runs `refwatch alerts` after.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from refwatch.store import changes

if TYPE_CHECKING:
    from refwatch.store.workspace import Workspace

log = logging.getLogger(__name__)


def relevant(change: changes.Change) -> bool:
    from refwatch.counting.snapshot import changes_evidence

    return any(
        changes_evidence(action) and not action.startswith("alert.") for action in change.actions
    )


# One evaluation at a time per workspace in this process. A commit made while one runs only
# marks the workspace dirty, and the running evaluation goes round once more: twenty writers
# editing at once cost a few evaluations, not twenty queued behind the write lock (each
# waiting reader or writer would run out of SQLite's busy timeout on a loaded machine).
_state = threading.Lock()
_dirty: dict[str, Workspace] = {}
_running: set[str] = set()


_background = False


def after_commit(workspace: Workspace, change: changes.Change) -> None:
    if not relevant(change):
        return
    key = str(workspace.path)
    with _state:
        _dirty[key] = workspace
        if key in _running:
            return  # the evaluation under way will run again and see this change
        _running.add(key)
    if _background:
        threading.Thread(
            target=_drain, args=(key, change), name="refwatch-alerts", daemon=True
        ).start()
        return
    _drain(key, change)


def _drain(key: str, change: changes.Change) -> None:
    """Evaluate until no commit is left unseen for this workspace."""
    try:
        while True:
            with _state:
                target = _dirty.pop(key, None)
                if target is None:
                    _running.discard(key)
                    return
            _evaluate(target, change)
    except BaseException:
        with _state:
            _running.discard(key)
        if not _background:
            raise
        log.warning("alerts: the evaluation after a change failed", exc_info=False)


def in_background() -> None:
    """In a server: evaluate after the request has answered, in one thread per workspace
    (the page and `refwatch alerts` evaluate again when read, so nothing is missed).
    A command line evaluates in line, before it exits."""
    global _background
    _background = True


def _evaluate(workspace: Workspace, change: changes.Change) -> None:
    from refwatch.alerts.state import evaluate

    result = evaluate(workspace)
    log.info(
        "alerts re-evaluated after %s: %d held, %d opened, %d escalated, %d closed",
        ",".join(sorted(set(change.actions)))[:200],
        result.held,
        result.opened,
        result.escalated,
        result.closed,
    )


def install() -> None:
    changes.subscribe(after_commit)


def uninstall() -> None:
    changes.unsubscribe(after_commit)
