"""The listening socket `refwatch serve --workers N` hands its workers.

uvicorn's `Config.bind_socket()` leaves the socket's `proto` at 0, and asyncio turns off
Nagle's algorithm (TCP_NODELAY) only on accepted sockets whose `proto` is IPPROTO_TCP; with
it on, every keep-alive request after the first waited ~40 ms for the client's delayed ACK.
These tests accept a real connection on the socket as a worker would and read the option.
"""

from __future__ import annotations

import asyncio
import socket

import uvicorn

from refwatch.web.serving import tcp_listener


def _nodelay_of_an_accepted_connection(listener: socket.socket) -> int:
    async def accept_one() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        host, port = listener.getsockname()[:2]
        _reader, writer = await asyncio.open_connection(host, port)
        try:
            return await asyncio.wait_for(seen, 30)
        finally:
            writer.close()
            server.close()

    return asyncio.run(accept_one())


def _bound() -> socket.socket:
    return uvicorn.Config(app=None, host="127.0.0.1", port=0).bind_socket()


def test_uvicorn_alone_leaves_nagle_on_for_a_bound_socket() -> None:
    """The reason for `tcp_listener`: if uvicorn fixes this, the wrapper can go."""
    listener = _bound()
    assert listener.proto == 0
    assert _nodelay_of_an_accepted_connection(listener) == 0


def test_connections_on_the_served_socket_have_nagle_off() -> None:
    bound = _bound()
    address = bound.getsockname()
    listener = tcp_listener(bound)
    assert listener.proto == socket.IPPROTO_TCP
    assert listener.getsockname() == address  # the same socket, still bound and listening
    assert listener.get_inheritable()  # the workers are spawned with it
    assert _nodelay_of_an_accepted_connection(listener) == 1


def test_a_socket_already_marked_tcp_is_returned_as_it_is() -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        assert tcp_listener(listener) is listener
    finally:
        listener.close()
