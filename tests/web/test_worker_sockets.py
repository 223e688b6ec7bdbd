"""The listening sockets of `refwatch serve --workers N`: one per worker on one port.

Real sockets on 127.0.0.1. First what must fail (a second server on a port in use, with or
without SO_REUSEPORT), then what must hold: the kernel shares connections out between the
sockets, each accepted connection has Nagle's algorithm off, and the sockets reach a
spawned worker.
"""

from __future__ import annotations

import asyncio
import socket
from collections import Counter

import pytest
import uvicorn
from uvicorn.config import STARTUP_FAILURE

from refwatch.web.worker_sockets import OneSocketPerWorker, listeners


def _close(sockets: list[socket.socket]) -> None:
    for sock in sockets:
        sock.close()


def _accepted_by(sockets: list[socket.socket], connections: int) -> tuple[Counter[int], set[int]]:
    """Serve every socket in one loop, open `connections` at once; per socket index, how
    many it accepted, and the TCP_NODELAY values seen on accepted connections."""

    async def run() -> tuple[Counter[int], set[int]]:
        loop = asyncio.get_running_loop()
        accepted: Counter[int] = Counter()
        nodelay: set[int] = set()
        done = asyncio.Event()

        def protocol_for(index: int) -> type[asyncio.Protocol]:
            class Count(asyncio.Protocol):
                def connection_made(self, transport: asyncio.BaseTransport) -> None:
                    sock = transport.get_extra_info("socket")
                    nodelay.add(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                    accepted[index] += 1
                    if sum(accepted.values()) == connections:
                        done.set()
                    transport.close()

            return Count

        servers = [
            await loop.create_server(protocol_for(i), sock=sock) for i, sock in enumerate(sockets)
        ]
        host, port = sockets[0].getsockname()[:2]
        opened = await asyncio.gather(
            *(asyncio.open_connection(host, port) for _ in range(connections))
        )
        await asyncio.wait_for(done.wait(), 60)
        for _reader, writer in opened:
            writer.close()
        for server in servers:
            server.close()
        return accepted, nodelay

    return asyncio.run(run())


def test_a_port_someone_listens_on_is_refused() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        with pytest.raises(SystemExit) as stopped:
            listeners("127.0.0.1", taken.getsockname()[1], 2)
        assert stopped.value.code == STARTUP_FAILURE


def test_a_second_server_cannot_join_the_first_ones_sockets() -> None:
    """SO_REUSEPORT lets sockets of the same user share a port: without the probe, a
    second `refwatch serve` (another workspace) would silently take half the connections."""
    first = listeners("127.0.0.1", 0, 2)
    try:
        for sock in first:
            sock.listen(16)
        with pytest.raises(SystemExit):
            listeners("127.0.0.1", first[0].getsockname()[1], 2)
        assert _accepted_by(first, 8)[0].total() == 8  # all still reach the first server
    finally:
        _close(first)


def test_a_bad_address_stops_with_a_log_line_not_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with pytest.raises(SystemExit):
        listeners("192.0.2.1", 0, 2)  # TEST-NET-1: not an address of this machine
    assert "cannot listen on 192.0.2.1" in caplog.text


def test_the_sockets_share_one_port_and_the_kernel_shares_connections_out() -> None:
    sockets = listeners("127.0.0.1", 0, 2)
    try:
        assert len({sock.getsockname() for sock in sockets}) == 1
        assert all(sock.get_inheritable() for sock in sockets)
        assert all(sock.proto == socket.IPPROTO_TCP for sock in sockets)
        accepted, nodelay = _accepted_by(sockets, 64)
        # A fair hash puts fewer than 8 of 64 on one socket about once in 10^10.
        assert accepted.total() == 64 and min(accepted[0], accepted[1]) >= 8, accepted
        assert nodelay == {1}  # Nagle's algorithm off on every accepted connection
    finally:
        _close(sockets)


def test_the_supervisor_wants_one_socket_per_worker() -> None:
    sockets = listeners("127.0.0.1", 0, 1)
    try:
        config = uvicorn.Config(app=None, workers=2)
        with pytest.raises(ValueError, match="one socket per worker"):
            OneSocketPerWorker(config, sockets)
    finally:
        _close(sockets)


def test_uvicorn_alone_leaves_nagle_on() -> None:
    """Why the sockets are made with IPPROTO_TCP: uvicorn's `Config.bind_socket()` leaves
    `proto` at 0, asyncio then leaves Nagle on, and every keep-alive request after the
    first waited ~40 ms for a delayed ACK (uvicorn #3149). If uvicorn fixes this, the
    test tells us."""
    bound = uvicorn.Config(app=None, host="127.0.0.1", port=0).bind_socket()
    try:
        assert bound.proto == 0
        assert _accepted_by([bound], 1)[1] == {0}
    finally:
        bound.close()
