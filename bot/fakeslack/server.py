"""FakeSlackServer: a local stand-in for Slack's Web API over real HTTP on 127.0.0.1.

Point slack_sdk at it with `WebClient(base_url=server.url, token=server.bot_token)` (the app reads
SLACK_API_URL). It answers the methods madoguchi uses with Slack's response shapes, records every call,
keeps the workspace state a test or the playground wants to look at, and injects faults on demand.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlsplit

from bot.fakeslack import api_oauth
from bot.fakeslack.api_files import FILES_PATH
from bot.fakeslack.calls import Call, CallListener, CallLog, CallPredicate
from bot.fakeslack.directory import FakeChannel, FakeUser
from bot.fakeslack.dispatch import Dispatcher
from bot.fakeslack.faults import Fault, FaultKind, FaultQueue
from bot.fakeslack.ids import BOT_TOKEN, Clock, random_suffix
from bot.fakeslack.state import UNKNOWN_USER, FakeFile, FakeWorkspace, ResponseTarget
from bot.fakeslack.webhooks import RESPONSE_PATH

logger = logging.getLogger(__name__)


class _Handler(BaseHTTPRequestHandler):
    server: _HttpServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Like any real server: no Nagle delay on small answers to a client that keeps the connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.counter_lock:
            self.server.connections += 1

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:  # Slack also accepts GET with query parameters
        self._serve()

    def _serve(self) -> None:
        dispatcher = self.server.dispatcher
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        method = dispatcher.method_for(split.path)
        if method is None:
            self._write(404, b"not found", {"Content-Type": "text/plain"})
            return
        outcome = dispatcher.handle(method, split.path, split.query, dict(self.headers.items()), body)
        if outcome.drop:
            # Request read in full, then the socket closes with no status line: the client sees
            # RemoteDisconnected, like a load balancer cutting a connection.
            self.close_connection = True
            with contextlib.suppress(OSError):  # the client may already have gone
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._write(outcome.status, outcome.body, outcome.headers)

    def _write(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        # Status line, headers and body in one write (end_headers would flush the headers alone).
        self._headers_buffer.append(b"\r\n")
        self._headers_buffer.append(body)
        self.flush_headers()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("fakeslack %s", format % args)


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True  # a "slow" fault must never keep the test process alive
    # socketserver's default listen backlog is 5: a burst of connections beyond it has its SYNs
    # dropped and retried by the kernel a whole second later, which Slack itself never does.
    request_queue_size = 1024
    dispatcher: Dispatcher
    connections = 0  # accepted so far: whether clients keep their connections open
    counter_lock = threading.Lock()


class FakeSlackServer:
    """Slack's Web API on 127.0.0.1. Use as a context manager or call start()/stop()."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_token: str | None = BOT_TOKEN,
        users: Iterable[FakeUser] = (),
        channels: Iterable[FakeChannel] = (),
        clock: Clock = time.time,
        trigger_ttl: float = 3.0,
    ) -> None:
        """`bot_token=None` accepts any xox… token; otherwise only that one (else invalid_auth)."""
        self.bot_token = bot_token
        self.workspace = FakeWorkspace(
            clock=clock, users=list(users), channels=list(channels), trigger_ttl=trigger_ttl
        )
        self._faults = FaultQueue()
        self._log = CallLog()
        self._dispatcher = Dispatcher(self.workspace, self._faults, self._log, bot_token)
        self._address = (host, port)
        self._http: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> FakeSlackServer:
        if self._http is not None:
            return self
        self._dispatcher.stopping.clear()
        self._http = _HttpServer(self._address, _Handler)
        self._http.dispatcher = self._dispatcher
        self.workspace.base_url = self.base_url
        # A short poll interval keeps stop() fast: every wiring test starts and stops a server.
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, name="fakeslack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._http is None:
            return
        self._dispatcher.stopping.set()
        self._http.shutdown()
        self._http.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._http, self._thread = None, None

    def __enter__(self) -> FakeSlackServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._http is None:
            raise RuntimeError("FakeSlackServer is not started")
        return int(self._http.server_address[1])

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port>/ — the server root (upload and response URLs live here)."""
        return f"http://{self._address[0]}:{self.port}/"

    @property
    def url(self) -> str:
        """The Web API base URL for `WebClient(base_url=...)` / SLACK_API_URL, ending in /api/."""
        return self.base_url + "api/"

    @property
    def connections(self) -> int:
        """TCP connections accepted since start()."""
        return self._http.connections if self._http is not None else 0

    # -- recorded calls ----------------------------------------------------------------------------
    def calls(self, method: str | None = None, predicate: CallPredicate | None = None) -> list[Call]:
        return self._log.calls(method, predicate)

    def last(self, method: str | None = None) -> Call | None:
        return self._log.last(method)

    def wait_for(
        self, method: str | None, count: int = 1, timeout: float = 5.0, predicate: CallPredicate | None = None
    ) -> list[Call]:
        """Block until `count` calls of `method` (matching `predicate`) arrived; raise CallNotSeen if not."""
        return self._log.wait_for(method, count, timeout, predicate)

    def clear(self) -> None:
        """Forget recorded calls (state and queued faults stay)."""
        self._log.clear()

    def on_call(self, listener: CallListener) -> Callable[[], None]:
        """Notify `listener(call)` after each call is answered; returns an unsubscribe function."""
        return self._log.subscribe(listener)

    # -- faults ----------------------------------------------------------------------------------
    def fail(
        self,
        method: str,
        kind: FaultKind,
        times: int = 1,
        *,
        retry_after: int = 1,
        error: str = "fatal_error",
        status: int = 500,
        seconds: float = 1.0,
    ) -> Fault:
        """Queue a fault for the next `times` calls of `method` ("*" = any). See faults.Fault for kinds."""
        return self._faults.add(
            Fault(
                method=method,
                kind=kind,
                times=times,
                retry_after=retry_after,
                error=error,
                status=status,
                seconds=seconds,
            )
        )

    def fail_at_rates(self, rates: dict[str, float], methods: Iterable[str], *, seed: int = 0,
                      retry_after: int = 1, slow_seconds: float = 1.0) -> None:
        """Inject faults at random (seeded) into calls of `methods` no queued fault matched (faults.FaultRates)."""
        self._faults.set_rates(rates, methods, seed=seed, retry_after=retry_after, slow_seconds=slow_seconds)

    def faults_drawn(self) -> dict[str, int]:
        """How many calls the rates gave each fault kind so far."""
        return dict(self._faults.drawn)

    def clear_faults(self) -> None:
        self._faults.clear()

    def pending_faults(self) -> list[Fault]:
        return self._faults.pending()

    # -- directory -------------------------------------------------------------------------------
    def add_user(self, user: FakeUser) -> FakeUser:
        with self.workspace.lock:
            self.workspace.users[user.id] = user
        return user

    def add_channel(self, channel: FakeChannel) -> FakeChannel:
        with self.workspace.lock:
            self.workspace.channels[channel.id] = channel
        return channel

    def dm_channel(self, user_id: str) -> str:
        """The id conversations.open returns for the bot's DM with `user_id` (stable)."""
        with self.workspace.lock:
            return self.workspace.dm_channel(user_id)

    # -- installs (OAuth) ------------------------------------------------------------------------
    def grant_install(self, team_id: str | None, team_name: str, *, enterprise_id: str | None = None,
                      is_enterprise_install: bool = False, scope: str = "") -> str:
        """An admin allowed the app into a workspace (or a Grid organisation): the code Slack puts on the
        redirect to the app's oauth_redirect URL (exchanged by oauth.v2.access once)."""
        with self.workspace.lock:
            return api_oauth.grant(self.workspace, team_id=team_id, team_name=team_name, enterprise_id=enterprise_id,
                                   is_enterprise_install=is_enterprise_install, scope=scope)

    def revoke_install(self, token: str) -> None:
        """The app was uninstalled: Slack stops accepting its token (token_revoked)."""
        with self.workspace.lock:
            api_oauth.revoke(self.workspace, token)

    # -- acting as a human -----------------------------------------------------------------------
    def issue_trigger(self, user_id: str) -> str:
        """A trigger id bound to a user: views.open then knows whose modal it is and enforces 3 s / once."""
        with self.workspace.lock:
            return self.workspace.issue_trigger(user_id)

    def response_url(self, channel: str, user_id: str | None = None, message_ts: str | None = None) -> str:
        """A response_url on this server; what the app posts to it lands in the channel/ephemerals."""
        hook_id = f"{random_suffix(9)}/{random_suffix(24)}"
        with self.workspace.lock:
            self.workspace.response_urls[hook_id] = ResponseTarget(channel, user_id, message_ts)
        return self.base_url + RESPONSE_PATH.lstrip("/") + hook_id

    def user_says(
        self, channel: str, user_id: str, text: str, *, thread_ts: str | None = None
    ) -> dict[str, Any]:
        """Store a human's message (conversations.replies will see it) and return its `message` event."""
        with self.workspace.lock:
            message = self.workspace.user_message(channel, user_id, text, thread_ts)
        event = {"type": "message", "channel": channel, "channel_type": _channel_type(channel), **message}
        event["event_ts"] = message["ts"]
        return copy.deepcopy(event)

    def user_starts_assistant_thread(self, user_id: str) -> dict[str, Any]:
        """A person opens a new thread with the app in its agent container: the `assistant_thread_started`
        event Slack sends (its thread_ts is a new thread in the person's DM with the bot)."""
        with self.workspace.lock:
            ws = self.workspace
            channel = ws.dm_channel(user_id)
            thread_ts = ws.ts.next()
            return {"type": "assistant_thread_started", "event_ts": ws.ts.next(), "assistant_thread": {
                "user_id": user_id, "context": {"channel_id": None, "team_id": ws.team["id"], "enterprise_id": None},
                "channel_id": channel, "thread_ts": thread_ts}}

    def workflow_runs_step(self, callback_id: str, function: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
        """A workflow reaches the app's step: the `function_executed` event Slack sends (`function` as the app's
        manifest declares it: title, description, input_parameters, output_parameters keyed by name)."""
        with self.workspace.lock:
            ws = self.workspace
            execution_id = ws.function_execution_ids.next()
            declared = {"id": "Fn" + callback_id.upper()[:9], "callback_id": callback_id, "title": function["title"],
                        "description": function["description"], "type": "app", "app_id": ws.bot["app_id"],
                        "input_parameters": list(function["input_parameters"].values()),
                        "output_parameters": list(function["output_parameters"].values()),
                        "date_created": 1700000000, "date_updated": 1700000000, "date_deleted": 0}
            ws.function_executions[execution_id] = {"function": declared, "inputs": copy.deepcopy(inputs),
                                                    "state": "running", "outputs": None, "error": None}
            return {"type": "function_executed", "function": copy.deepcopy(declared), "inputs": copy.deepcopy(inputs),
                    "function_execution_id": execution_id, "workflow_execution_id": "Wx" + execution_id[2:],
                    "event_ts": ws.ts.next(), "bot_access_token": "xwfp-" + random_suffix(24)}

    def function_execution(self, execution_id: str) -> dict[str, Any] | None:
        with self.workspace.lock:
            return copy.deepcopy(self.workspace.function_executions.get(execution_id))

    def user_uploads(self, user_id: str, filename: str, content: bytes, *, mimetype: str = "application/pdf",
                     broken: bool = False, hidden: bool = False) -> dict[str, Any]:
        """A file a person picks in a modal's file_input: stored, shared nowhere yet; returns its file object
        as the view_submission's state carries it. `broken`: its download will fail (HTTP 500); `hidden`: the
        app may not read it, so its download answers Slack's sign-in page (HTML, 200)."""
        with self.workspace.lock:
            ws = self.workspace
            file = FakeFile(id=ws.file_ids.next(), filename=filename, length=len(content), content=content,
                            user=user_id, mimetype=mimetype, created=int(ws.clock()), broken=broken,
                            hidden=hidden)
            # Percent-encoded like Slack's: a Japanese file name is not sent raw in a URL.
            file.url_private = f"{ws.base_url}{FILES_PATH.lstrip('/')}{ws.team['id']}-{file.id}/{quote(filename)}"
            ws.files[file.id] = file
            return file.to_slack()

    def close_modals(self, user_id: str) -> None:
        """What Slack does when a submission is acked without response_action: the stack goes away."""
        with self.workspace.lock:
            self.workspace.modal_stacks.pop(user_id, None)

    # -- state, as copies --------------------------------------------------------------------------
    def messages(self, channel: str) -> list[dict[str, Any]]:
        with self.workspace.lock:
            return copy.deepcopy(self.workspace.messages.get(channel, []))

    def find_messages(self, channel: str, matches: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        """The channel's messages that `matches` accepts, oldest first, as copies. A search over a long history
        (a desk's channel after a simulated month) copies only what it finds: `messages` copies everything,
        under the lock every fake API call also waits for."""
        with self.workspace.lock:
            return copy.deepcopy([m for m in self.workspace.messages.get(channel, []) if matches(m)])

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        with self.workspace.lock:
            return copy.deepcopy(self.workspace.find_message(channel, ts))

    def ephemerals(self, user_id: str) -> list[dict[str, Any]]:
        with self.workspace.lock:
            return copy.deepcopy(self.workspace.ephemerals.get(user_id, []))

    def suggested_prompts(self, channel: str, thread_ts: str | None = None) -> dict[str, Any] | None:
        with self.workspace.lock:
            return copy.deepcopy(self.workspace.assistant_prompts.get((channel, thread_ts)))

    def assistant_statuses(self, channel: str, thread_ts: str) -> list[str]:
        """The statuses set in a thread, in order ("" = cleared, by the app or by its reply)."""
        with self.workspace.lock:
            return list(self.workspace.assistant_status.get((channel, thread_ts), []))

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        with self.workspace.lock:
            return copy.deepcopy(self.workspace.home_views.get(user_id))

    def view(self, view_id: str) -> dict[str, Any] | None:
        with self.workspace.lock:
            return copy.deepcopy(self.workspace.views.get(view_id))

    def modal_stack(self, user_id: str = UNKNOWN_USER) -> list[dict[str, Any]]:
        """Open modals of a user, root first (user "?" when the trigger id was not issued by the fake)."""
        with self.workspace.lock:
            ids = self.workspace.modal_stacks.get(user_id, [])
            return [copy.deepcopy(self.workspace.views[i]) for i in ids]

    def files(self) -> list[FakeFile]:
        with self.workspace.lock:
            return [copy.deepcopy(f) for f in self.workspace.files.values()]


def _channel_type(channel: str) -> str:
    return {"D": "im", "G": "group"}.get(channel[:1], "channel")
