"""A lean stand-in for the Slack Web API, for the ack benchmark only.

Slack's servers are not on the bot's machine; this stand-in is, and shares the two cores with the server
under test. The test harness's FakeSlackServer (bot/fakeslack) checks every view against Block Kit's
rules and records every call in full — right for tests, but it costs about 1.1 ms of CPU per views.open
(http.server's header parsing, deep copies of the view, the record), so in the benchmark a third of the
machine's work on a button click was the stand-in's, and the button's latency waited on it. This one
answers the calls the benchmark's traffic makes the way Slack answers them — auth by bearer token, a
trigger_id spent once, the view echoed back with Slack's id, hash and fields, users.info with the locale
when asked — over one asyncio loop with HTTP/1.1 keep-alive, and only counts calls. Anything else is
answered `unknown_method` and counted, so a benchmark that drifts from what this covers shows it.
`python bench/ack_latency.py --full-fake` runs the benchmark against FakeSlackServer instead.

Views are not checked here: tests/ check every view the bot builds against the full fake."""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
from collections import Counter
from typing import Any
from urllib.parse import parse_qsl

from bot.fakeslack import BOT_TOKEN, FakeUser
from bot.fakeslack.ids import API_APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID

JSON_FIELDS = ("view", "blocks", "attachments")  # sent JSON-encoded inside form bodies
MAX_HEAD = 64 * 1024


class LeanSlack:
    """What the calls change and count: spent trigger ids, published Homes, calls per method."""

    def __init__(self, users: list[FakeUser]) -> None:
        self.users = {u.id: u for u in users}
        self.counts: Counter[str] = Counter()
        self.spent: set[str] = set()
        self.ids = itertools.count(1)

    def answer(self, method: str, token: str | None, params: dict[str, Any]) -> dict[str, Any]:
        self.counts[method] += 1
        if token != BOT_TOKEN:
            return {"ok": False, "error": "not_authed" if not token else "invalid_auth"}
        handler = _METHODS.get(method)
        if handler is None:
            self.counts["unknown_method"] += 1
            return {"ok": False, "error": "unknown_method", "req_method": method}
        return handler(self, params)

    def _view(self, view: Any, kind: str, **extra: Any) -> dict[str, Any]:
        if isinstance(view, str):
            view = json.loads(view)
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        view_id = f"V{next(self.ids):010d}"
        full = {"type": kind, "blocks": [], "private_metadata": "", "callback_id": "", "external_id": "",
                "clear_on_close": False, "notify_on_close": False, **view, "id": view_id, "team_id": TEAM_ID,
                "state": {"values": {}}, "hash": secrets.token_hex(8), "app_id": API_APP_ID, "bot_id": BOT_ID,
                "root_view_id": view_id, "previous_view_id": None, "app_installed_team_id": TEAM_ID, **extra}
        return {"ok": True, "view": full}

    def views_open(self, p: dict[str, Any]) -> dict[str, Any]:
        trigger = p.get("trigger_id")
        if not isinstance(trigger, str) or not trigger:
            return {"ok": False, "error": "invalid_trigger_id"}
        if trigger in self.spent:
            return {"ok": False, "error": "exchanged_trigger_id"}
        self.spent.add(trigger)
        return self._view(p.get("view"), "modal")

    def views_publish(self, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("user_id") not in self.users:
            return {"ok": False, "error": "user_not_found"}
        return self._view(p.get("view"), "home")

    def views_update(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._view(p.get("view"), "modal")

    def users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(p.get("user") or ""))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        locale = str(p.get("include_locale", "")).lower() in ("1", "true")
        return {"ok": True, "user": user.to_slack(include_locale=locale)}

    def auth_test(self, _p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://madoguchi-bench.slack.com/", "team": "madoguchi bench", "user": "madoguchi",
                "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": False}

    def conversations_open(self, p: dict[str, Any]) -> dict[str, Any]:
        users = str(p.get("users") or "")
        return {"ok": True, "channel": {"id": "D" + users.split(",")[0][1:], "is_im": True}}

    def post_message(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = str(p.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": channel, "ts": f"{1_700_000_000 + next(self.ids)}.000100",
                "message": {"type": "message", "text": p.get("text", ""), "bot_id": BOT_ID}}

    def post_ephemeral(self, _p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": f"{1_700_000_000 + next(self.ids)}.000200"}


_METHODS = {
    "auth.test": LeanSlack.auth_test,
    "users.info": LeanSlack.users_info,
    "views.open": LeanSlack.views_open,
    "views.publish": LeanSlack.views_publish,
    "views.update": LeanSlack.views_update,
    "conversations.open": LeanSlack.conversations_open,
    "chat.postMessage": LeanSlack.post_message,
    "chat.update": LeanSlack.post_message,
    "chat.postEphemeral": LeanSlack.post_ephemeral,
}


def decode_params(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    params: dict[str, Any] = dict(parse_qsl(query))
    if content_type.startswith("application/json"):
        decoded = json.loads(body or b"{}")
        if isinstance(decoded, dict):
            params.update(decoded)
    elif body:
        params.update(parse_qsl(body.decode("utf-8")))
    for key in JSON_FIELDS:
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params


class _Connection(asyncio.Protocol):
    """HTTP/1.1 with keep-alive: requests in order, each answered in full before the next is read."""

    def __init__(self, slack: LeanSlack) -> None:
        self.slack = slack
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    self._reply(431, b"", close=True)
                return
            lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            if len(self.buffer) < end + 4 + length:
                return
            body = bytes(self.buffer[end + 4:end + 4 + length])
            del self.buffer[:end + 4 + length]
            verb, target, version = [*lines[0].split(" "), "", ""][:3]
            close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
            self._handle(verb, target, headers, body, close)

    def _handle(self, verb: str, target: str, headers: dict[str, str], body: bytes, close: bool) -> None:
        path, _, query = target.partition("?")
        if verb == "GET" and path == "/calls":
            method = dict(parse_qsl(query)).get("method")
            total = self.slack.counts[method] if method else sum(
                n for m, n in self.slack.counts.items() if m != "unknown_method")
            self._reply(200, json.dumps({"calls": total}).encode(), close)
            return
        if not path.startswith("/api/"):
            self._reply(404, b'{"ok":false,"error":"not_found"}', close)
            return
        try:
            params = decode_params(headers.get("content-type", ""), body, query)
        except (ValueError, UnicodeDecodeError):
            self._reply(200, b'{"ok":false,"error":"invalid_json"}', close)
            return
        auth = headers.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else params.pop("token", None)
        answer = self.slack.answer(path[5:], token, params)
        self._reply(200, json.dumps(answer, ensure_ascii=False).encode(), close)

    def _reply(self, status: int, body: bytes, close: bool) -> None:
        assert self.transport is not None
        reason = {200: "OK", 404: "Not Found", 431: "Request Header Fields Too Large"}[status]
        head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\n" + ("Connection: close\r\n" if close else "") + "\r\n")
        self.transport.write(head.encode("latin-1") + body)
        if close:
            self.transport.close()
            self.transport = None


async def serve(slack: LeanSlack, ready: asyncio.Future[int]) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Connection(slack), "127.0.0.1", 0, backlog=1024)
    ready.set_result(server.sockets[0].getsockname()[1])
    async with server:
        await server.serve_forever()
