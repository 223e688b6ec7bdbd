"""A local webhook receiver: checks each message's signature, drops redeliveries by their
idempotency key, and reports one line per message.

Why ship one: the demo's alert channel points at 127.0.0.1, and a partner who builds a
receiver needs a reference for the two things a receiver must do (verify the HMAC over
the timestamp and body, refusing old timestamps; treat a repeated idempotency key as
already handled, because delivery is at least once). It listens on loopback unless told
otherwise and keeps nothing but the keys it has seen in memory.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from refwatch.alerts.messages import KEY_HEADER, SIGNATURE_HEADER, verify

MAX_BODY = 1_000_000


@dataclass(frozen=True)
class Delivery:
    """What the receiver made of one request."""

    key: str
    kind: str
    person_id: str | None
    severity: str | None
    signature_ok: bool | None  # None: no key given to check with
    duplicate: bool

    def line(self) -> str:
        checked = {True: "signed", False: "BAD SIGNATURE", None: "unchecked"}[self.signature_ok]
        who = f" {self.person_id} [{self.severity}]" if self.person_id else ""
        again = " (duplicate, ignored)" if self.duplicate else ""
        return f"{self.kind}{who} key={self.key} {checked}{again}"


@dataclass
class Receiver:
    """Accepts POSTs on any path; answers 401 to a bad signature (when a key is set)."""

    host: str = "127.0.0.1"
    port: int = 8765
    secret: str | None = None
    on_delivery: Callable[[Delivery], None] | None = None
    seen: set[str] = field(default_factory=set)
    deliveries: list[Delivery] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, headers: dict[str, str], body: bytes) -> tuple[int, Delivery]:
        key = headers.get(KEY_HEADER.lower(), "")
        signature = headers.get(SIGNATURE_HEADER.lower(), "")
        ok = None if self.secret is None else verify(self.secret, signature, body, int(time.time()))
        try:
            data: dict[str, Any] = json.loads(body)
        except ValueError:
            data = {}
        alert = data.get("alert") if isinstance(data.get("alert"), dict) else {}
        with self._lock:
            duplicate = bool(key) and key in self.seen and ok is not False
            if ok is not False and key:
                self.seen.add(key)
        delivery = Delivery(
            key=key,
            kind=str(data.get("type", "unknown")),
            person_id=alert.get("person_id") if alert else None,
            severity=alert.get("severity") if alert else None,
            signature_ok=ok,
            duplicate=duplicate,
        )
        self.deliveries.append(delivery)
        if self.on_delivery is not None:
            self.on_delivery(delivery)
        return (401 if ok is False else 200), delivery

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    self.send_response(413)
                    self.end_headers()
                    return
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, _ = receiver.handle(headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                return  # one line per delivery is printed by the caller instead

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
