"""After-commit listeners: who wants to know that a write transaction changed something.

Why here, in the store: rooms on the right (alerts) must react to what rooms on the left
do (an import, a person edit, a linkage run), but the left may never import the right.
Every such change already passes through one place, `Workspace.write`, and records what it
did in the audit chain (`audit.append`). So `audit.append` notes each action on the
connection, and `Workspace.write`, once the transaction has committed, hands the list to
every listener subscribed here (the pattern of Datasette's `track_event` hook). Nothing in
intake or linkage has to remember to call anyone, and a writer added tomorrow is covered
as long as it is audited, which every change must be anyway.

Listeners run after the commit, so they see the change, and outside it, so they cannot
undo it: a listener that fails is logged (its exception class only; a message could quote
data) and never turns a successful import into an error. A listener's own writes do not
notify again (no loops), and a dry run, rolled back, notifies nobody.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from refwatch.store.workspace import Workspace

log = logging.getLogger(__name__)

ACTIONS_KEY = "refwatch.audited_actions"
"""Key in `Connection.info` under which `audit.append` lists the actions of a transaction."""


@dataclass(frozen=True, slots=True)
class Change:
    """What one committed transaction did: its audited actions, in order."""

    actions: tuple[str, ...]


Listener = Callable[["Workspace", Change], None]

_listeners: list[Listener] = []
_lock = threading.Lock()
_inside = threading.local()


def subscribe(listener: Listener) -> None:
    """Call `listener(workspace, change)` after every committed write (once per listener)."""
    with _lock:
        if listener not in _listeners:
            _listeners.append(listener)


def unsubscribe(listener: Listener) -> None:
    with _lock:
        if listener in _listeners:
            _listeners.remove(listener)


def listeners() -> list[Listener]:
    with _lock:
        return list(_listeners)


def notify(workspace: Workspace, actions: Sequence[str]) -> None:
    """Hand a committed transaction's actions to every listener (not from inside one)."""
    if not actions or getattr(_inside, "active", False):
        return
    change = Change(tuple(actions))
    _inside.active = True
    try:
        for listener in listeners():
            try:
                listener(workspace, change)
            except Exception as exc:  # a listener must never fail the committed write
                log.error(
                    "after-commit listener %s failed: %s",
                    getattr(listener, "__qualname__", repr(listener)),
                    type(exc).__name__,
                )
    finally:
        _inside.active = False
