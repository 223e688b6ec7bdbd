"""Logs that help an operator without naming anyone: JSON lines, an access log by route.

Why route templates and not paths: a path or query string can carry what a user typed
(`/persons?q=<a name>`, a token in a mistaken URL). The access log records the route as
declared (`/persons/{person_id}`), the method, the status and the time taken; a request
that matched no route is logged as `(unmatched)`. Why no exception messages: a database
error can quote the row it refused. An exception is logged as its class and the frames it
passed through. Whatever slips through, anything shaped like an API token or a session id
is masked before the line is written (`redact`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import traceback
from datetime import UTC, datetime
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from refwatch.web.asgi import HttpMiddleware

ACCESS = logging.getLogger("refwatch.access")
UNMATCHED = "(unmatched)"
# API tokens (rwt_…), and long random strings such as session ids or CSRF tokens.
_SECRETS = re.compile(r"rwt_[A-Za-z0-9_\-]+|[A-Za-z0-9_\-]{32,}")
_FIELDS = ("method", "route", "status", "ms")


def redact(text: str) -> str:
    return _SECRETS.sub("[redacted]", text)


def frames_of(exc: BaseException) -> str:
    return " < ".join(
        f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}"
        for f in reversed(traceback.extract_tb(exc.__traceback__))
    )


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, pid, and access fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
            "pid": record.process,
        }
        for name in _FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            entry["error"] = type(exc).__name__  # the class only: a message may quote data
            entry["at"] = frames_of(exc)
        return json.dumps(entry, ensure_ascii=False)


def log_config(log_format: str) -> dict[str, Any]:
    """A logging.config dict for uvicorn (applied in each worker) and RefWatch's loggers."""
    formatter: dict[str, Any] = (
        {"()": "refwatch.web.logs.JsonFormatter"}
        if log_format == "json"
        else {"format": "%(levelname)s: %(name)s [%(process)d] %(message)s"}
    )
    handler = {"class": "logging.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {"main": handler},
        "loggers": {
            "uvicorn": {"handlers": ["main"], "level": "INFO", "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "refwatch": {"handlers": ["main"], "level": "INFO", "propagate": False},
        },
    }


class AccessLog(HttpMiddleware):
    """Pure ASGI middleware: one line per request with the route template, never the path."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 0

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None)
            if template is None and str(scope.get("path", "")).startswith(("/static/", "/assets/")):
                template = "/static|/assets"
            ACCESS.info(
                "request",
                extra={
                    "method": scope.get("method", ""),
                    "route": template or UNMATCHED,
                    "status": status or 500,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )


class WorkerHeader(HttpMiddleware):
    """Test-only: the answering worker's process id in `X-RefWatch-Worker`, so tests of a
    multi-worker server can tell which process answered. Off unless `serve` is given the
    hidden `--worker-header` option."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def add(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-refwatch-worker", str(os.getpid()).encode()),
                ]
            await send(message)

        await self.app(scope, receive, add)
