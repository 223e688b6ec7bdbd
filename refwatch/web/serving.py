"""Serving the app with one or several uvicorn worker processes, the key unlocked once.

Why one unlock in the parent: the passphrase (Argon2id, 64 MiB) or keyfile is read once,
by `refwatch serve`, before any worker starts, so a wrong secret stops the command with
one line instead of a crash loop of workers; and the passphrase itself never reaches a
worker. What the workers need is the unwrapped data keys (`KeyRing`) and the key that
signs pre-session CSRF tokens (the same in every worker, or a sign-in form served by one
worker would be refused by the other). Both travel in a `Handover`.

How the handover travels: uvicorn's multi-process supervisor starts each worker with
`multiprocessing`'s *spawn* method, which pickles the worker's `Config` and writes it to
the new process through a pipe. `WorkerConfig` is that `Config` with the handover as one
more attribute, so the keys go parent → worker through a pipe in memory: never a file,
never the environment (which `/proc/PID/environ` shows to the process's owner, and which
every child would inherit). In the worker, `WorkerConfig.load` moves the handover into
this module and drops it from the config; the app factory `worker_app` takes it out
(once) and builds the app. The parent keeps the handover for the life of the server, since
uvicorn restarts a worker that dies and the new one needs the keys too.

With one worker the same path is used, in-process: one way to build the app, tested once.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import uvicorn
from fastapi import FastAPI

from refwatch.store.keys import KeyRing
from refwatch.web.logs import log_config
from refwatch.web.worker_sockets import OneSocketPerWorker, listeners

LogFormat = Literal["text", "json"]
FACTORY = "refwatch.web.serving:worker_app"
REQUEST_THREADS = 8
"""Route functions running at once in one worker; more wait their turn. anyio's default
is 40: on two cores, forty threads only take turns at the interpreter lock, each holding a
database connection, and at 64 clients requests slowed down instead of queueing
(docs/deploy.md, Performance)."""


@dataclass(frozen=True)
class Handover:
    """What every worker needs from the parent: where the data is, and the keys."""

    workspace_path: Path
    db_url: str | None
    keys: KeyRing | None
    csrf_key: bytes
    log_format: LogFormat = "text"
    worker_header: bool = False
    uploads_address: str | None = None  # the shared upload store (several workers)
    uploads_authkey: bytes | None = None

    def __repr__(self) -> str:  # never show key material in a traceback or a log
        return f"Handover(workspace={self.workspace_path}, unlocked={self.keys is not None})"


_received: Handover | None = None


class WorkerConfig(uvicorn.Config):
    """uvicorn's Config carrying the handover to a spawned worker (pickled through a pipe)."""

    def __init__(self, handover: Handover, **kwargs: Any) -> None:
        super().__init__(FACTORY, factory=True, **kwargs)
        self.handover: Handover | None = handover

    def load(self) -> None:
        global _received
        _received = self.handover
        super().load()


def worker_app() -> FastAPI:
    """The app factory uvicorn calls in each worker: the app over the handed-over keys."""
    global _received
    handover, _received = _received, None
    if handover is None:
        raise RuntimeError("worker_app is started by `refwatch serve`, never on its own")
    from refwatch.alerts import hooks
    from refwatch.web.app import create_app

    # Alerts are evaluated after every committed change in this worker too (a spawned
    # worker imports no CLI module), after the request has answered.
    hooks.install()
    hooks.in_background()
    uploads = None
    if handover.uploads_address is not None and handover.uploads_authkey is not None:
        from refwatch.web.shared_uploads import connect

        uploads = connect(handover.uploads_address, handover.uploads_authkey)
    return create_app(
        handover.workspace_path,
        handover.db_url,
        keys=handover.keys,
        csrf_key=handover.csrf_key,
        access_log=handover.log_format == "json",
        worker_header=handover.worker_header,
        pending_uploads=uploads,
        request_threads=REQUEST_THREADS,
    )


def new_csrf_key() -> bytes:
    return secrets.token_bytes(32)


def serve(
    handover: Handover,
    *,
    host: str,
    port: int,
    workers: int = 1,
) -> None:
    """Serve until interrupted: `workers` processes, one listening socket each on one port
    (`worker_sockets`: the kernel shares the connections out)."""
    # Nothing secret may be inherited through the environment by the workers.
    os.environ.pop("REFWATCH_PASSPHRASE", None)
    if workers <= 1:
        uvicorn.Server(_config(handover, host, port, workers)).run()
        return
    from refwatch.web.shared_uploads import SharedUploads

    shared = SharedUploads()
    handover = replace(handover, uploads_address=shared.address, uploads_authkey=shared.authkey)
    config = _config(handover, host, port, workers)
    sockets = listeners(host, port, workers)
    try:
        OneSocketPerWorker(config, sockets).run()
    finally:
        for sock in sockets:
            sock.close()
        shared.stop()


def _config(handover: Handover, host: str, port: int, workers: int) -> WorkerConfig:
    return WorkerConfig(
        handover,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config(handover.log_format),
        access_log=False,  # uvicorn's access line holds the raw path and query (names)
        server_header=False,
        timeout_graceful_shutdown=20,
    )
