"""The tests' TCP proxy forwards everything to a reader that is slow to read, as a network does.

Found by the month soak: the proxy wrote with `sendall` on a non-blocking socket, which gives up at the first
full buffer; it then cut the connection, and a replica whose process was busy for a moment lost its database
connection mid-transaction ("database unavailable", on both replicas at once)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from tests.tcp_proxy import tcp_proxy

PAYLOAD = bytes(range(256)) * (32 * 1024 * 1024 // 256)  # 32 MiB: more than every buffer on the way holds


def test_a_reader_that_falls_behind_still_gets_every_byte():
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            conn.sendall(PAYLOAD)

    sender = threading.Thread(target=serve, daemon=True)
    sender.start()
    with tcp_proxy("127.0.0.1", server.getsockname()[1]) as proxy, \
            socket.create_connection(("127.0.0.1", proxy.port), timeout=20) as client:
        time.sleep(0.5)  # busy elsewhere: the buffers fill up meanwhile
        received = bytearray()
        while len(received) < len(PAYLOAD):
            chunk = client.recv(1 << 20)
            if not chunk:
                break
            received += chunk
    sender.join(timeout=10)
    server.close()

    assert len(received) == len(PAYLOAD) and bytes(received) == PAYLOAD


def test_the_proxy_in_its_own_process_keeps_forwarding_while_this_one_is_stopped():
    """The month soak's driver stalled its in-process proxy; one in a process of its own does not stall."""
    from tests.service.test_request_deadline import hold_the_interpreter
    from tests.tcp_proxy import TcpProxyProcess

    server = socket.create_server(("127.0.0.1", 0))
    proxy = TcpProxyProcess("127.0.0.1", server.getsockname()[1])
    try:
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as client:
            client.sendall(b"ping")
            hold_the_interpreter(1.0)  # this process stops ...
            upstream, _ = server.accept()
            with upstream:
                upstream.setblocking(False)
                assert upstream.recv(16) == b"ping"  # ... and the bytes were through meanwhile
        proxy.refuse()
        with pytest.raises(ConnectionResetError), \
                socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as refused:
            refused.recv(16)  # reset (at connect or at the first read), as when nothing listens
        proxy.heal()
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as healed:
            healed.sendall(b"pong")
            upstream, _ = server.accept()
            with upstream:
                assert upstream.recv(16) == b"pong"
    finally:
        proxy.stop()
        server.close()
