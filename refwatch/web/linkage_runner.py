"""The web app's linkage run: one at a time, in a background thread, its progress in memory.

Why a thread: a run takes seconds to minutes, and the page must answer at once and show
how far the run has got (the status partial is polled by htmx). Why in memory: progress
is short-lived and belongs to this process; what a run did is recorded by `run_linkage`
itself in `linkage_runs`, which the page lists. One run per app: a second start while one
runs is refused here, at once. A run held by another process (`refwatch link`, another
worker) is refused by `run_linkage` itself (`refwatch.linkage.run_lock`), and shows as
"refused" with its reason.

When the app stops, a run in progress is asked to stop at its next step (the progress
callback raises `LinkageStopped`), so `run_linkage` records it as failed instead of
leaving a run marked "running" forever.
"""

from __future__ import annotations

import logging
import threading
import traceback
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

from refwatch.domain.errors import ConflictError, RefWatchError
from refwatch.linkage import LinkageSummary, run_linkage
from refwatch.store.crypto import FieldCipher
from refwatch.store.workspace import Workspace

log = logging.getLogger("refwatch.web")
Outcome = Literal["running", "done", "conflict", "refused", "stopped", "failed"]


class LinkageStopped(Exception):
    """Raised inside a run's progress callback to stop it (the app is shutting down)."""


@dataclass(frozen=True)
class RunProgress:
    """Where the web's latest run stands. `number` counts runs started by this app."""

    number: int
    actor: str
    started_at: datetime
    step: str = "starting"
    done: int = 0
    total: int = 1
    outcome: Outcome = "running"
    finished_at: datetime | None = None
    summary: LinkageSummary | None = None
    message: str | None = None  # a RefWatchError's text (never holds a protected value)

    @property
    def running(self) -> bool:
        return self.outcome == "running"


class LinkageRunner:
    """Starts linkage runs in a thread, one at a time, and keeps the latest one's progress."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._progress: RunProgress | None = None
        self._count = 0

    def progress(self) -> RunProgress | None:
        with self._lock:
            return self._progress

    @property
    def stopping(self) -> bool:
        """True once `stop` was called (until the next start)."""
        return self._stop.is_set()

    def start(self, workspace: Workspace, cipher: FieldCipher, actor: str) -> RunProgress | None:
        """Start a run and return its progress; None if one is already running."""
        with self._lock:
            if self._progress is not None and self._progress.running:
                return None
            self._count += 1
            started = RunProgress(self._count, actor, datetime.now(UTC))
            self._progress = started
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run,
                args=(workspace, cipher, actor, started.number),
                name=f"refwatch-linkage-{started.number}",
                daemon=True,
            )
            self._thread.start()
            return started

    def stop(self, timeout: float = 60.0) -> None:
        """Ask a running run to stop at its next step, and wait for it (up to `timeout`)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread.is_alive():
            thread.join(timeout)

    def wait(self, timeout: float | None = None) -> RunProgress | None:
        """Wait for the current run to end (tests, shutdown); its final progress."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.progress()

    def _update(self, number: int, **changes: object) -> None:
        with self._lock:
            if self._progress is not None and self._progress.number == number:
                self._progress = replace(self._progress, **changes)  # type: ignore[arg-type]

    def _run(self, workspace: Workspace, cipher: FieldCipher, actor: str, number: int) -> None:
        def tick(what: str, done: int, total: int) -> None:
            if self._stop.is_set():
                raise LinkageStopped
            self._update(number, step=what, done=done, total=total)

        try:
            summary = run_linkage(workspace, cipher, actor, tick)
        except LinkageStopped:
            self._finish(number, "stopped")
        except ConflictError as exc:
            self._finish(number, "conflict", message=str(exc))
        except RefWatchError as exc:
            self._finish(number, "refused", message=str(exc))
        except Exception as exc:  # a thread has no caller to raise to: record and log it
            frames = " < ".join(
                f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}"
                for f in reversed(traceback.extract_tb(exc.__traceback__))
            )
            # The class and frames only: an exception's message may quote data.
            log.error("linkage run %s failed: %s at %s", number, type(exc).__name__, frames)
            self._finish(number, "failed", message=type(exc).__name__)
        else:
            self._finish(number, "done", summary=summary)

    def _finish(
        self,
        number: int,
        outcome: Outcome,
        *,
        message: str | None = None,
        summary: LinkageSummary | None = None,
    ) -> None:
        self._update(
            number,
            outcome=outcome,
            message=message,
            summary=summary,
            finished_at=datetime.now(UTC),
        )
