"""The playground's web server: the static UI and a small JSON API over the Actor and Snapshot.

It listens on 127.0.0.1 only, and since it can act as anyone in the fake workspace it refuses what a
hostile web page could send it: requests for another Host (DNS rebinding) and POSTs that are not JSON
(a cross-site form cannot set that Content-Type without a CORS preflight, which is never granted).
The Content-Security-Policy keeps the page itself from loading anything that is not served here."""

from __future__ import annotations

import base64
import json
import logging
import mimetypes
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from bot.playground.actor import Actor, Outcome, PlaygroundError
from bot.playground.snapshot import Snapshot

if TYPE_CHECKING:
    from bot.playground.stage import Stage

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
LONG_POLL_S = 15.0
MAX_BODY = 1_000_000
# A receipt photo or PDF picked in a form's file input, as base64 JSON (the playground's API is JSON only).
MAX_UPLOAD = 8_000_000
MAX_UPLOAD_BODY = MAX_UPLOAD * 4 // 3 + 10_000
MAX_ADVANCE_HOURS = 24 * 31
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]"}

StartResponse = Callable[..., Any]


class Response:
    def __init__(self, status: str, body: bytes, content_type: str, extra: list[tuple[str, str]] | None = None):
        self.status, self.body, self.content_type, self.extra = status, body, content_type, extra or []


def _json(data: Any, status: str = "200 OK") -> Response:
    return Response(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")


def _problem(status: str, problem: str, detail: str = "") -> Response:
    return _json({"ok": False, "problem": problem, "detail": detail}, status)


class PlaygroundWeb:
    def __init__(self, playground: Stage) -> None:
        self.pg = playground
        self.actor = Actor(playground)
        self.snapshot = Snapshot(playground)
        self._posts: dict[str, Callable[[dict[str, Any]], Outcome | dict[str, Any]]] = {
            "/api/say": lambda b: self.actor.say(_str(b, "user"), _str(b, "channel"), _str(b, "text"),
                                                 b.get("thread_ts") or None),
            "/api/command": lambda b: self.actor.command(_str(b, "user"), _str(b, "channel"), str(b.get("text", ""))),
            "/api/shortcut": lambda b: self.actor.shortcut(_str(b, "user"), _str(b, "callback_id"),
                                                           b.get("channel") or None, b.get("ts") or None),
            "/api/react": lambda b: self.actor.react(_str(b, "user"), _str(b, "channel"), _str(b, "ts"),
                                                     _str(b, "reaction")),
            "/api/dismiss": lambda b: self.actor.dismiss(_str(b, "user"), _str(b, "ts")),
            "/api/action": lambda b: self.actor.act(_str(b, "user"), _dict(b, "where"), _dict(b, "action"),
                                                    b.get("state")),
            "/api/submit": lambda b: self.actor.submit(_str(b, "user"), _str(b, "view_id"), _dict(b, "values")),
            "/api/close": lambda b: self.actor.close(_str(b, "user"), _str(b, "view_id")),
            "/api/home": lambda b: self.actor.open_home(_str(b, "user")),
            "/api/clock": self._clock,
            "/api/upload": self._upload,
        }

    # -- WSGI ------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            response = self._route(environ)
        except PlaygroundError as exc:
            response = _problem("400 Bad Request", exc.problem, exc.detail)
        except Exception as exc:  # the UI shows the problem; the log keeps the trace
            log.exception("playground: %s %s failed", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
            response = _problem("500 Internal Server Error", "internal", type(exc).__name__)
        headers = [("Content-Type", response.content_type), ("Content-Length", str(len(response.body))),
                   ("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                   ("Referrer-Policy", "no-referrer"), ("Cache-Control", "no-store"), *response.extra]
        start_response(response.status, headers)
        return [response.body]

    def _route(self, environ: dict[str, Any]) -> Response:
        host = str(environ.get("HTTP_HOST") or "").rsplit(":", 1)[0]
        if host not in LOCAL_HOSTS:
            return _problem("403 Forbidden", "host", host)
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/")
        if method in ("GET", "HEAD"):
            return self._get(path, parse_qs(environ.get("QUERY_STRING", "")))
        if method != "POST":
            return _problem("405 Method Not Allowed", "method", method)
        handler = self._posts.get(path)
        if handler is None:
            return _problem("404 Not Found", "not_found", path)
        if not str(environ.get("CONTENT_TYPE", "")).startswith("application/json"):
            return _problem("415 Unsupported Media Type", "json_only")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > (MAX_UPLOAD_BODY if path == "/api/upload" else MAX_BODY):
            return _problem("413 Payload Too Large", "too_large")
        try:
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
        except ValueError:
            return _problem("400 Bad Request", "bad_json")
        if not isinstance(body, dict):
            return _problem("400 Bad Request", "bad_json")
        result = handler(body)
        return _json(result.to_json() if isinstance(result, Outcome) else result)

    def _get(self, path: str, query: dict[str, list[str]]) -> Response:
        if path == "/":
            return _static("index.html")
        if path.startswith("/static/"):
            return _static(path[len("/static/"):])
        if path == "/api/bootstrap":
            return _json(self.snapshot.bootstrap())
        if path == "/api/state":
            user = _q(query, "user")
            if self.pg.config.person_for_slack_id(user) is None:
                raise PlaygroundError("unknown_user", user)
            since = _q(query, "since")
            if since.lstrip("-").isdigit():
                self.pg.changes.wait_past(int(since), LONG_POLL_S)
            return _json(self.snapshot.state(user, _q(query, "conversation") or None))
        if path.startswith("/api/files/"):
            return self._file(path[len("/api/files/"):])
        if path == "/healthz":
            return _json({"ok": True})
        return _problem("404 Not Found", "not_found", path)

    def _file(self, file_id: str) -> Response:
        found = next((f for f in self.pg.slack.files() if f.id == file_id and f.content is not None), None)
        if found is None:
            return _problem("404 Not Found", "no_file", file_id)
        kind = mimetypes.guess_type(found.filename)[0] or "application/octet-stream"
        return Response("200 OK", found.content or b"", kind)

    def _upload(self, body: dict[str, Any]) -> dict[str, Any]:
        """A file a person picked in a form: kept by the local Slack, answered as Slack's file object (what the
        view_submission's file_input state carries, and what the bot then fetches like any Slack file)."""
        user = _str(body, "user")
        if self.pg.config.person_for_slack_id(user) is None:
            raise PlaygroundError("unknown_user", user)
        name = _str(body, "name").strip()
        if not name or len(name) > 255:
            raise PlaygroundError("bad_file", "name")
        try:
            data = base64.b64decode(_str(body, "content_b64"), validate=True)
        except ValueError as exc:
            raise PlaygroundError("bad_file", "content") from exc
        if not data or len(data) > MAX_UPLOAD:
            raise PlaygroundError("bad_file", "size")
        mimetype = str(body.get("mimetype") or mimetypes.guess_type(name)[0] or "application/octet-stream")
        return {"ok": True, "file": self.pg.slack.user_uploads(user, name, data, mimetype=mimetype[:255])}

    def _clock(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("to") == "digest":
            self.pg.advance_to_digest()
        else:
            try:
                hours = float(body.get("hours", 0))
            except (TypeError, ValueError) as exc:
                raise PlaygroundError("bad_clock", str(body.get("hours"))) from exc
            if not 0 < hours <= MAX_ADVANCE_HOURS:
                raise PlaygroundError("bad_clock", str(hours))
            self.pg.advance(timedelta(hours=hours))
        return {"ok": True, "now": self.snapshot.state_now()}


def _static(name: str) -> Response:
    target = (STATIC / name).resolve()
    if STATIC.resolve() not in target.parents or not target.is_file():
        return _problem("404 Not Found", "not_found", name)
    kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in ("application/javascript", "text/javascript"):
        kind += "; charset=utf-8"
    return Response("200 OK", target.read_bytes(), kind)


def _q(query: dict[str, list[str]], key: str) -> str:
    return (query.get(key) or [""])[0]


def _str(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise PlaygroundError("missing", key)
    return value


def _dict(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key)
    if not isinstance(value, dict):
        raise PlaygroundError("missing", key)
    return value
