"""The federation address a node takes over (gateway.node.server._listen): while the
node that lost its lease still holds it, the new active node waits for it, then
listens; held past the wait, the start fails naming the address and why."""

from __future__ import annotations

import socket
import threading
from concurrent import futures

import grpc
import pytest

from gateway.node.server import _listen


def _held() -> tuple[socket.socket, str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock, f"127.0.0.1:{sock.getsockname()[1]}"


def _server() -> grpc.Server:
    return grpc.server(futures.ThreadPoolExecutor(1), options=[("grpc.so_reuseport", 0)])


def test_an_address_let_go_during_the_wait_is_taken():
    sock, address = _held()
    released = threading.Timer(1.0, sock.close)
    released.start()
    server = _server()
    try:
        _listen(server, address, grpc.local_server_credentials(), wait_s=30.0)
        server.start()
        assert sock.fileno() == -1  # listening came after the holder let go
    finally:
        released.cancel()
        server.stop(0)


def test_an_address_held_past_the_wait_fails_saying_so():
    sock, address = _held()
    server = _server()
    try:
        with pytest.raises(OSError, match=f"cannot listen on {address}: the address is in use"):
            _listen(server, address, grpc.local_server_credentials(), wait_s=0.5)
    finally:
        sock.close()
        server.stop(0)


def test_an_address_a_stopping_grpc_server_held_is_taken_once_it_lets_go():
    # As in a takeover: the old active node's server still listens when the new one
    # first tries (a gRPC server that failed a bind once never binds again, which is
    # why the wait probes with a socket of its own).
    holder = _server()
    port = holder.add_insecure_port("127.0.0.1:0")
    holder.start()
    address = f"127.0.0.1:{port}"
    stopping = threading.Timer(1.0, lambda: holder.stop(None))
    stopping.start()
    server = _server()
    try:
        _listen(server, address, grpc.local_server_credentials(), wait_s=30.0)
        server.start()
    finally:
        stopping.cancel()
        holder.stop(None)
        server.stop(0)
