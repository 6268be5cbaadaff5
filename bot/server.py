"""The WSGI application, and waitress serving it in a thread (not Bolt's development server).

`POST /slack/events` → the request gate (bot/gate.py: size cap, signature on the raw bytes) → Bolt;
`GET /healthz` → 200 when the database answers, 503 otherwise; its JSON also names the FAQ's encoders
(`"encoders": {"en": "all-MiniLM-L6-v2 int8 onnxruntime", "ja": ...}`, "missing" when the English model
is not installed: reported, not a 503, since the bot still answers). Without a signing secret (Socket
Mode, where HTTP only serves the probe) `/slack/events` does not exist."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from waitress import wasyncore
from waitress.server import create_server

from bot.gate import MAX_BODY_BYTES, Answer, Gate
from bot.services import SlackIdentity
from faq.embed import encoder_status
from models.db import Prober

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
# SlackIdentity.problem values (or "ok" for None) under which a replica is still healthy (bot/startup.py).
SLACK_USABLE = frozenset({"ok", "unreachable", "slack_error"})


class WsgiApp:
    def __init__(self, app: App, engine: Any, *, signing_secret: str | None = None,
                 slack_identity: SlackIdentity | None = None):
        """`signing_secret`: Slack's; None serves only /healthz (Socket Mode). `slack_identity`: where a
        Slack auth problem is recorded (Services.slack_identity, the app's by default)."""
        self._app = app
        self._gate = Gate(signing_secret) if signing_secret else None
        self._database = Prober(engine)
        if slack_identity is None:
            services = getattr(app, "services", None)
            slack_identity = services.slack_identity if services is not None else SlackIdentity()
        self._slack_identity = slack_identity

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return self._health(start_response)
        if path != EVENTS_PATH or self._gate is None:
            return answer(start_response, 404, b'{"error": "not found"}')
        return slack_request(environ, start_response, self._gate, self._app.dispatch)

    def _health(self, start_response: Any) -> list[bytes]:
        # Within 2 s whatever the database does (Prober). 503 also when Slack refuses our token: this
        # replica can do nothing useful. Slack merely unreachable is reported but healthy: every replica
        # would be, and taking them all out of the load balancer would lose what they can still ack.
        database = self._database.up()
        slack = self._slack_identity.problem or "ok"
        healthy = database and slack in SLACK_USABLE
        # What this process loaded at start (a read of faq.embed's state: nothing is loaded here).
        body = json.dumps({"ok": healthy, "database": "up" if database else "down", "slack": slack,
                           "encoders": encoder_status()}).encode()
        return answer(start_response, 200 if healthy else 503, body)


def slack_request(environ: dict[str, Any], start_response: Any, gate: Gate,
                  dispatch: Callable[[BoltRequest], BoltResponse]) -> Iterable[bytes]:
    """`POST /slack/events`: through the gate (size cap, signature on the raw bytes), then `dispatch`."""
    if environ.get("REQUEST_METHOD") != "POST":
        return answer(start_response, 405, b'{"error": "method not allowed"}')
    admitted = gate.admit(environ)
    if isinstance(admitted, Answer):
        return answer(start_response, admitted.status, admitted.body)
    return respond(start_response, dispatch(admitted))


def respond(start_response: Any, response: BoltResponse) -> Iterable[bytes]:
    wsgi = WsgiHttpResponse(status=response.status, headers=response.headers, body=response.body)
    start_response(wsgi.status, wsgi.get_headers())
    return wsgi.get_body()


def answer(start_response: Any, status: int, body: bytes) -> list[bytes]:
    start_response(f"{status} {HTTPStatus(status).phrase}",
                   [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


BACKLOG = 1024


class HttpServer:
    """waitress in a thread, for tests, the playground and Socket Mode's /healthz. `madoguchi serve`
    answers Slack over HTTP with Granian instead (bot/granian_server.py says why)."""

    def __init__(self, wsgi: WsgiApp, host: str = "0.0.0.0", port: int = 3000, threads: int = 16):
        # Slack waits at most 3 s; a deep accept backlog keeps bursts queued rather than refused.
        # A body over the gate's cap is refused by waitress itself (413) before it is buffered.
        self._server = create_server(wsgi, threads=threads, backlog=BACKLOG, channel_timeout=30,
                                     max_request_body_size=MAX_BODY_BYTES,
                                     ident="madoguchi", host=host, port=port)
        self._thread: threading.Thread | None = None
        self._stopped = False

    @property
    def port(self) -> int:
        return int(self._server.effective_port)  # type: ignore[union-attr]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve_forever(self) -> None:
        self._server.run()

    def start(self) -> HttpServer:
        self._thread = threading.Thread(target=self._server.run, name="http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        server = self._server
        if self._thread is not None and self._thread.is_alive():
            # Close the sockets from inside waitress's own loop: closing them from this thread
            # races its select() and raises EBADF there.
            try:
                server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))  # type: ignore[union-attr]
            except OSError:
                # The loop has already closed its wake-up pipe: it is on its way out anyway.
                log.debug("waitress loop already closing", exc_info=True)
            self._thread.join(timeout=5)
        else:
            with contextlib.suppress(OSError):
                server.close()
        server.task_dispatcher.shutdown(timeout=2)  # type: ignore[union-attr]
