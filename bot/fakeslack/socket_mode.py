"""Slack's Socket Mode, on 127.0.0.1: a WebSocket server that hands the app envelopes (slash
commands, interactivity, events) and collects the acks, as Slack's edge does.

Attach it to a FakeSlackServer so apps.connections.open returns its ws:// URL."""

from __future__ import annotations

import json
import queue
import threading
import uuid
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from bot.fakeslack.server import FakeSlackServer


class FakeSocketMode:
    def __init__(self, slack: FakeSlackServer, host: str = "127.0.0.1"):
        self._slack = slack
        self._server = serve(self._handle, host, 0)
        self.port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-socket-mode", daemon=True)
        self._connections: list[ServerConnection] = []
        self._acks: dict[str, queue.Queue[dict[str, Any]]] = {}
        self._connected = threading.Event()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link/?ticket=fake"

    def start(self) -> FakeSocketMode:
        self._thread.start()
        self._slack.workspace.socket_mode_url = self.url
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_connected(self, timeout: float = 10) -> bool:
        return self._connected.wait(timeout)

    def _handle(self, connection: ServerConnection) -> None:
        with self._lock:
            self._connections.append(connection)
        connection.send(json.dumps({"type": "hello", "num_connections": 1,
                                    "debug_info": {"host": "fake", "approximate_connection_time": 3600}}))
        self._connected.set()
        try:
            for raw in connection:
                message = json.loads(raw)
                envelope_id = message.get("envelope_id")
                if envelope_id and envelope_id in self._acks:
                    self._acks[envelope_id].put(message)
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._connections.remove(connection)

    def send(self, kind: str, payload: dict[str, Any], *, timeout: float = 5, retry_attempt: int = 0,
             accepts_response_payload: bool = True) -> dict[str, Any]:
        """Deliver one envelope ("slash_commands", "interactive", "events_api") and return the app's ack."""
        envelope_id = str(uuid.uuid4())
        self._acks[envelope_id] = queue.Queue()
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": accepts_response_payload}
        if kind == "events_api":
            envelope.update(retry_attempt=retry_attempt, retry_reason="timeout" if retry_attempt else "")
        with self._lock:
            connection = self._connections[-1]
        connection.send(json.dumps(envelope))
        try:
            return self._acks[envelope_id].get(timeout=timeout)
        finally:
            del self._acks[envelope_id]
