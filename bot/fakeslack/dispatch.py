"""From one HTTP request to one answer: routing, auth, faults, state change, recording.

Kept apart from the socket plumbing in server.py so the order of those steps is readable in one place.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from bot.fakeslack import api_directory, api_oauth
from bot.fakeslack.api import FILE_DOWNLOAD, METHODS, RESPONSE_URL, UPLOAD_URL
from bot.fakeslack.api_files import FILES_PATH, UPLOAD_PATH, download, receive_upload
from bot.fakeslack.calls import Call, CallLog
from bot.fakeslack.faults import Fault, FaultQueue
from bot.fakeslack.state import ApiError, FakeWorkspace
from bot.fakeslack.webhooks import RESPONSE_PATH, receive_response
from bot.fakeslack.wire import bearer_token, decode_params

JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
# Faults that answer instead of the method; "slow" and "drop_after" let the method run.
_PREEMPTING = frozenset({"rate_limited", "server_error", "ok_false", "drop"})


@dataclass
class Outcome:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the socket without writing anything


class Dispatcher:
    def __init__(self, ws: FakeWorkspace, faults: FaultQueue, log: CallLog, bot_token: str | None) -> None:
        self.ws = ws
        self.faults = faults
        self.log = log
        self.bot_token = bot_token
        self.stopping = threading.Event()  # cuts "slow" faults short when the server stops

    @staticmethod
    def method_for(path: str) -> str | None:
        if path.startswith("/api/") and len(path) > 5:
            return path[5:]
        if path.startswith(UPLOAD_PATH):
            return UPLOAD_URL
        if path.startswith(RESPONSE_PATH):
            return RESPONSE_URL
        if path.startswith(FILES_PATH):
            return FILE_DOWNLOAD
        return None

    def handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Outcome:
        at = self.ws.clock()
        try:
            params = self._params(method, path, query, headers, body)
            bad_body = False
        except ValueError:
            params, bad_body = {}, True
        fault = self.faults.take(method)
        if fault is not None and fault.kind == "slow":
            self.stopping.wait(fault.seconds)
        if fault is not None and fault.kind in _PREEMPTING:
            outcome, answer = _fault_outcome(fault)
        elif bad_body:
            answer = {"ok": False, "error": "invalid_json"}
            outcome = _json(200, answer)
        else:
            outcome, answer = self._answer(method, path, headers, params, body)
        if fault is not None and fault.kind == "drop_after":
            outcome.drop = True
        self.log.append(
            Call(
                method=method,
                params=params,
                headers=headers,
                at=at,
                body=body,
                fault=fault.kind if fault else None,
                status=None if outcome.drop else outcome.status,
                response=None if outcome.drop else answer,
            )
        )
        return outcome

    def _params(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> dict[str, Any]:
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
        if method == UPLOAD_URL:
            # Raw file bytes, whatever Content-Type urllib put on them.
            return {"file_id": path[len(UPLOAD_PATH) :], "length": len(body)}
        if method == FILE_DOWNLOAD:
            return {"path": path}
        params = decode_params(content_type, body, query)
        if method == RESPONSE_URL:
            params["hook_id"] = path[len(RESPONSE_PATH) :]
        return params

    def _answer(
        self, method: str, path: str, headers: dict[str, str], params: dict[str, Any], body: bytes
    ) -> tuple[Outcome, dict[str, Any]]:
        with self.ws.lock:
            if method == UPLOAD_URL:
                status, text = receive_upload(self.ws, params["file_id"], body)
                return Outcome(status, text.encode(), {"Content-Type": TEXT_TYPE}), {
                    "ok": status == 200,
                    "body": text,
                }
            if method == FILE_DOWNLOAD:
                token = bearer_token(headers, {})
                status, content, kind = download(self.ws, path, token is not None and self._auth_error(token) is None)
                return Outcome(status, content, {"Content-Type": kind}), {"ok": status == 200, "size": len(content)}
            if method == RESPONSE_URL:
                status, text = receive_response(self.ws, params["hook_id"], params)
                return Outcome(status, text.encode(), {"Content-Type": TEXT_TYPE}), {
                    "ok": status == 200,
                    "body": text,
                }
            if method == "oauth.v2.access":  # the app's client credentials, not a token
                try:
                    answer = api_oauth.access(self.ws, params, headers)
                except ApiError as exc:
                    answer = exc.body()
                params.pop("client_secret", None)
                return _json(200, answer), answer
            handler = METHODS.get(method)
            if handler is None:
                answer: dict[str, Any] = {"ok": False, "error": "unknown_method", "req_method": method}
                return _json(200, answer), answer
            error = self._auth_error(bearer_token(headers, params), method)
            params.pop("token", None)  # a body token is a credential: keep it out of the record
            if error:
                answer = {"ok": False, "error": error}
                return _json(200, answer), answer
            try:
                installed = self.ws.installed_tokens.get(bearer_token(headers, params) or "")
                if method == "auth.test" and installed is not None:
                    answer = api_directory.auth_test_installed(installed)
                else:
                    answer = handler(self.ws, params)
            except ApiError as exc:
                answer = exc.body()
            return _json(200, answer), answer

    def _auth_error(self, token: str | None, method: str = "") -> str | None:
        if not token:
            return "not_authed"
        if method == "apps.connections.open":
            # Socket Mode URLs are issued to the app-level token only, as on Slack.
            return None if token.startswith("xapp-") else "not_allowed_token_type"
        if token in self.ws.installed_tokens:  # issued by oauth.v2.access, not revoked
            return None
        if token in self.ws.revoked_tokens:
            return "token_revoked"
        if self.bot_token is None:
            return None if token.startswith("xox") else "invalid_auth"
        return None if token == self.bot_token else "invalid_auth"


def _json(status: int, answer: dict[str, Any], headers: dict[str, str] | None = None) -> Outcome:
    return Outcome(
        status,
        json.dumps(answer, ensure_ascii=False).encode("utf-8"),
        {"Content-Type": JSON_TYPE, **(headers or {})},
    )


def _fault_outcome(fault: Fault) -> tuple[Outcome, dict[str, Any]]:
    if fault.kind == "rate_limited":
        answer = {"ok": False, "error": "ratelimited"}
        return _json(429, answer, {"Retry-After": str(fault.retry_after)}), answer
    if fault.kind == "server_error":
        answer = {"ok": False, "error": "internal_error" if fault.status == 500 else "service_unavailable"}
        return _json(fault.status, answer), answer
    if fault.kind == "ok_false":
        answer = {"ok": False, "error": fault.error}
        return _json(200, answer), answer
    return Outcome(0, b"", drop=True), {}
