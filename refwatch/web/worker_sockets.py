"""One listening socket per worker, all on one port (SO_REUSEPORT), so the kernel shares
the connections out between the workers.

Why not one socket shared by every worker, as uvicorn does: each worker's asyncio loop
accepts up to `backlog` (2048) pending connections each time it wakes. When clients
connect together (a page that opens several connections, a proxy filling its pool, a
team arriving at 9 o'clock), the first worker to wake takes them all and keeps them, since
they are keep-alive. Measured with 16 clients connecting at once to `refwatch serve
--workers 2`: in 12 rounds, all 16 went to one worker in 5, 15 to one in 2, and 9–7 only
twice; the other worker sat idle, and two workers served no faster than one (issue 19).
With SO_REUSEPORT each worker has its own socket and its own accept queue, and the
kernel places every new connection by a hash of its addresses: about half each.

Three things the shared socket did for free are kept here by hand:
- **A port in use is an error.** Sockets with SO_REUSEPORT join any group on the port
  opened by the same user, so a second `refwatch serve` on the same port would silently
  take half of the first one's connections (and serve them from another workspace). A
  plain socket is bound first as a probe: it fails on a port anyone listens on.
- **Nagle's algorithm is off.** The sockets are made with `IPPROTO_TCP`, so asyncio sets
  TCP_NODELAY on every accepted connection (uvicorn's `Config.bind_socket()` leaves
  `proto` at 0 and Nagle on: each keep-alive request after the first waited ~40 ms for a
  delayed ACK, uvicorn issue #3149).
- **A dead worker's socket lives on.** The parent keeps every socket, and the worker
  started in a dead one's place gets the same socket, so connections queued on it wait
  for the new worker instead of being refused.

The number of workers is fixed while the server runs: uvicorn's SIGTTIN/SIGTTOU (one
worker more or less) would need a socket more or less, and are refused with a log line.
"""

from __future__ import annotations

import logging
import socket
import sys

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors.multiprocess import Multiprocess, Process

logger = logging.getLogger("uvicorn.error")

READY_SECONDS = 90
"""How long a worker started by a reload (SIGHUP) may take to build the app. uvicorn uses
its health-ping timeout here (5 s), shorter than a worker takes to start: on `systemctl
reload refwatch` every new worker was "not ready in time" and the reload was abandoned
(seen under a real systemd, tests/systemd/boot.sh)."""
PING_SECONDS = 5.0
"""How long a running worker may leave a health ping unanswered before it counts as hung.
Short, and apart from READY_SECONDS: a worker killed while a ping was in flight is found
dead only when the ping times out (with 90 s here, a killed worker went unreplaced for 90 s)."""


def listeners(host: str, port: int, count: int) -> list[socket.socket]:
    """`count` TCP sockets bound to (host, port) with SO_REUSEPORT, inheritable, not yet
    listening (each worker's asyncio server calls `listen`). Exits like uvicorn
    (STARTUP_FAILURE, one log line) when the port is taken or the address is wrong."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    bound: list[socket.socket] = []
    try:
        port = _probe(family, host, port)
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            bound.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            sock.set_inheritable(True)
    except OSError as exc:
        for sock in bound:
            sock.close()
        logger.error("cannot listen on %s port %s: %s", host, port, exc.strerror or exc)
        sys.exit(STARTUP_FAILURE)
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    logger.info("Uvicorn running on http://%s:%d (Press CTRL+C to quit)", shown, port)
    return bound


def _probe(family: socket.AddressFamily, host: str, port: int) -> int:
    """Bind and listen without SO_REUSEPORT, then let go: fails if anyone listens on the
    port, with or without SO_REUSEPORT. Returns the port (the one chosen, for port 0)."""
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        probe.listen(1)
        return int(probe.getsockname()[1])


class OneSocketPerWorker(Multiprocess):
    """uvicorn's supervisor, with worker i always started on socket i (see the module)."""

    def __init__(self, config: Config, sockets: list[socket.socket]) -> None:
        if len(sockets) != config.workers:
            raise ValueError("one socket per worker")
        super().__init__(config, sockets=sockets)

    def _start(self, index: int) -> Process:
        process = Process(self.config, [self.sockets[index]])
        process.start()
        return process

    def init_processes(self) -> None:
        self.processes = [self._start(index) for index in range(self.processes_num)]

    def keep_subprocess_alive(self) -> None:
        """uvicorn's rule (a hung worker is killed and replaced; one that failed before
        serving stops the server, as it would fail again), with worker i on socket i."""
        if self.should_exit.is_set():
            return
        for index, process in enumerate(self.processes):
            if process.is_alive(timeout=PING_SECONDS):
                continue
            process.kill()
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                logger.error("worker %s failed to start; stopping the server", process.pid)
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            logger.info("worker %s died; starting another on its socket", process.pid)
            self.processes[index] = self._start(index)

    def restart_all(self) -> None:
        """SIGHUP: each worker replaced in turn, the new one on the old one's socket."""
        for index, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self._start(index)
            if not new.wait_until_ready(READY_SECONDS, self.should_exit):
                new.kill()
                new.join()
                logger.error("worker %s was not ready in time; restart stopped", new.pid)
                return
            old.terminate()
            old.join()
            self.processes[index] = new

    def handle_ttin(self) -> None:
        logger.info("Received SIGTTIN: the number of workers is fixed; restart to change it.")

    def handle_ttou(self) -> None:
        logger.info("Received SIGTTOU: the number of workers is fixed; restart to change it.")
