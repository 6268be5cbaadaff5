"""A TCP proxy on 127.0.0.1 that tests put between the bot and PostgreSQL (or any server) to make the
network misbehave the way it does in production:

- `blackhole()`: connections stay open but no byte is forwarded any more, in either direction — an idle
  timeout in a load balancer, a failover, a cable pulled. Nothing is refused; calls just never answer.
- `refuse()`: existing connections are cut and new ones are refused at once (the database is down).
- `heal()`: forward again (new connections work; black-holed ones stay dead, as they would).

Only loopback traffic; every socket is closed by `stop()`."""

from __future__ import annotations

import contextlib
import select
import selectors
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

FORWARD = "forward"
BLACKHOLE = "blackhole"
REFUSE = "refuse"


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.setblocking(False)
        self._mode = FORWARD
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ, None)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tcp-proxy", daemon=True)
        self.accepted = 0

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def start(self) -> TcpProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        with self._lock:
            for a, b in self._pairs:
                _close(a)
                _close(b)
            self._pairs.clear()
        _close(self._listener)
        self._selector.close()

    # -- what a test does to the network ------------------------------------------------------
    def blackhole(self) -> None:
        with self._lock:
            self._mode = BLACKHOLE

    def refuse(self) -> None:
        with self._lock:
            self._mode = REFUSE

    def heal(self) -> None:
        with self._lock:
            self._mode = FORWARD

    @property
    def mode(self) -> str:
        return self._mode

    # -- the loop ------------------------------------------------------------------------------
    def _run(self) -> None:
        # Only this thread touches the selector; a mode change is applied here, between selects.
        applied = FORWARD
        while not self._stopped.is_set():
            mode = self._mode
            if mode != applied:
                self._apply(mode)
                applied = mode
            for key, _events in self._selector.select(timeout=0.05):
                if key.data is None:
                    self._accept()
                else:
                    self._pump(key.fileobj, key.data)  # type: ignore[arg-type]

    def _accept(self) -> None:
        try:
            client, _ = self._listener.accept()
        except OSError:
            return
        self.accepted += 1
        if self._mode == REFUSE:
            # Reset rather than a polite close: what a client sees when nothing listens.
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            _close(client)
            return
        if self._mode == BLACKHOLE:
            # Accepted and then silent: the client's connect succeeds and its first query never answers.
            with self._lock:
                self._pairs.append((client, client))
            return
        try:
            upstream = socket.create_connection(self._target, timeout=2)
        except OSError:
            _close(client)
            return
        client.setblocking(False)
        upstream.setblocking(False)
        with self._lock:
            self._pairs.append((client, upstream))
        self._selector.register(client, selectors.EVENT_READ, upstream)
        self._selector.register(upstream, selectors.EVENT_READ, client)

    def _apply(self, mode: str) -> None:
        """BLACKHOLE: every open connection goes silent for good (its bytes wait unread in the
        kernel). REFUSE: every open connection is cut."""
        if mode not in (BLACKHOLE, REFUSE):
            return
        with self._lock:
            pairs = list(self._pairs)
            if mode == REFUSE:
                self._pairs.clear()
        for a, b in pairs:
            self._unregister(a)
            self._unregister(b)
            if mode == REFUSE:
                _close(a)
                _close(b)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        if self._mode != FORWARD:
            return  # the loop applies the new mode before the next select
        try:
            data = source.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop(source, sink)
            return
        if not _send_all(sink, data):
            self._drop(source, sink)

    def _drop(self, a: socket.socket, b: socket.socket) -> None:
        self._unregister(a)
        self._unregister(b)
        _close(a)
        _close(b)
        with self._lock:
            self._pairs = [p for p in self._pairs if a not in p]

    def _unregister(self, sock: socket.socket) -> None:
        with contextlib.suppress(KeyError, ValueError, OSError):
            self._selector.unregister(sock)


def _send_all(sock: socket.socket, data: bytes, patience: float = 10.0) -> bool:
    """Everything onto a non-blocking socket; False when it is gone, or its reader has not taken a byte for
    `patience` seconds. A busy reader (a replica's starved process) only slows the pump down, as a real
    network would: `sendall` on a non-blocking socket gives up at the first full buffer, having sent an
    unknown part, and the proxy used to cut such connections — the month soak's "database unavailable"
    bursts on both replicas at once."""
    view = memoryview(data)
    while view:
        try:
            view = view[sock.send(view):]
        except (BlockingIOError, InterruptedError):
            if not select.select([], [sock], [], patience)[1]:
                return False
        except OSError:
            return False
    return True


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.close()


@contextlib.contextmanager
def tcp_proxy(host: str, port: int) -> Iterator[TcpProxy]:
    proxy = TcpProxy(host, port).start()
    try:
        yield proxy
    finally:
        proxy.stop()


class TcpProxyProcess:
    """The same proxy in a process of its own, for a bench whose driver is busy: a proxy thread shares its
    process's interpreter lock and garbage collector, so the month soak's driver (40 threads, a 2 GB heap by
    its third week) held every replica's database traffic up for ~2 s at a time, and the replicas' request
    deadline rightly cut those calls — bursts of refusals on both replicas at once, PostgreSQL idle. Driven
    over the child's stdin: one mode a line."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._process = subprocess.Popen([sys.executable, "-m", "tests.tcp_proxy", target_host, str(target_port)],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                         cwd=Path(__file__).resolve().parents[1])
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line.strip().isdigit():
            self._process.kill()
            raise RuntimeError(f"the proxy process did not start: {line!r}")
        self.port = int(line)

    def _say(self, mode: str) -> None:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(mode + "\n")
        self._process.stdin.flush()
        if self._process.stdout.readline().strip() != mode:  # applied
            raise RuntimeError(f"the proxy process did not take {mode!r}")

    def blackhole(self) -> None:
        self._say(BLACKHOLE)

    def refuse(self) -> None:
        self._say(REFUSE)

    def heal(self) -> None:
        self._say(FORWARD)

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            if self._process.stdin is not None:
                self._process.stdin.close()  # end of input: the child stops
        try:
            self._process.wait(timeout=5)
        except Exception:
            self._process.kill()
            self._process.wait(timeout=5)


def _serve(target_host: str, target_port: int) -> None:
    """`python -m tests.tcp_proxy HOST PORT`: prints its port, then takes a mode a line from stdin (forward,
    blackhole, refuse), answering each with the mode once applied; stops at the end of stdin."""
    proxy = TcpProxy(target_host, target_port).start()
    print(proxy.port, flush=True)
    try:
        for line in sys.stdin:
            mode = line.strip()
            {FORWARD: proxy.heal, BLACKHOLE: proxy.blackhole, REFUSE: proxy.refuse}[mode]()
            print(mode, flush=True)
    finally:
        proxy.stop()


if __name__ == "__main__":
    _serve(sys.argv[1], int(sys.argv[2]))
