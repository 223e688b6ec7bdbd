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


def after_commit(workspace: Workspace, change: changes.Change) -> None:
    if relevant(change):
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
