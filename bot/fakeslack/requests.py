"""SlackRequester: signs requests exactly as Slack does and POSTs them to the app's /slack/events.

    slack = SlackRequester("http://127.0.0.1:3000", signing_secret)
    reply = slack.command(user_id="U0TANAKA", text="経費精算")      # build + sign + send
    reply = slack.send(payloads.command(user_id="U0TANAKA"), age=400)  # a stale timestamp → 401
    prepared = slack.prepare(payloads.event(...))                       # bytes + headers, for a benchmark

Stdlib http.client only: the same client runs in tests, benchmarks and the playground.
"""

from __future__ import annotations

import http.client
import inspect
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Concatenate, NamedTuple, ParamSpec
from urllib.parse import urlsplit

from bot.fakeslack import payloads
from bot.fakeslack.ids import Clock
from bot.fakeslack.payloads import SlackRequest
from bot.fakeslack.signing import sign

P = ParamSpec("P")
EVENTS_PATH = "/slack/events"


class Reply(NamedTuple):
    """The app's answer. Header names are lower-cased; `body` is parsed JSON when it is JSON, else text."""

    status: int
    headers: dict[str, str]
    body: Any


@dataclass(frozen=True)
class PreparedRequest:
    """Signed bytes ready to POST; reusable until its timestamp is 300 s old."""

    path: str
    body: bytes
    headers: dict[str, str]


def _sends(builder: Callable[P, SlackRequest]) -> Callable[Concatenate[SlackRequester, P], Reply]:
    """Turn a payload builder into a SlackRequester method that builds, signs and sends."""
    parameters = inspect.signature(builder).parameters
    takes_trigger = "trigger_id" in parameters
    takes_response_url = "response_url" in parameters

    def method(self: SlackRequester, /, *args: P.args, **kwargs: P.kwargs) -> Reply:
        for name, value in self.workspace.items():
            if name in parameters:
                kwargs.setdefault(name, value)
        if (
            takes_trigger
            and self.triggers is not None
            and not kwargs.get("trigger_id")
            and "user_id" in kwargs
        ):
            kwargs["trigger_id"] = self.triggers(str(kwargs["user_id"]))
        if (
            takes_response_url
            and self.response_urls is not None
            and not kwargs.get("response_url")
            and kwargs.get("channel_id")
            and "user_id" in kwargs
        ):
            message = kwargs.get("message")
            ts = message.get("ts") if isinstance(message, dict) else kwargs.get("message_ts")
            kwargs["response_url"] = self.response_urls(str(kwargs["channel_id"]), str(kwargs["user_id"]),
                                                        str(ts) if ts else None)
        return self.send(builder(*args, **kwargs))

    method.__name__ = builder.__name__
    method.__doc__ = builder.__doc__
    return method


class SlackRequester:
    def __init__(
        self,
        base_url: str,
        signing_secret: str,
        *,
        clock: Clock = time.time,
        path: str = EVENTS_PATH,
        timeout: float = 10.0,
        triggers: Callable[[str], str] | None = None,
        response_urls: Callable[[str, str | None, str | None], str] | None = None,
        workspace: dict[str, Any] | None = None,
    ) -> None:
        """`base_url` is the app's root, e.g. http://127.0.0.1:3000.

        `triggers` (e.g. FakeSlackServer.issue_trigger) mints each interaction's trigger_id, so views.open
        in the fake knows whose modal it is; `response_urls` (e.g. FakeSlackServer.response_url) mints the
        response_url of an interaction in a channel (channel, user, message ts), so what the app posts
        to it lands in the fake like Slack shows it."""
        split = urlsplit(base_url)
        if split.scheme != "http" or not split.hostname:
            raise ValueError(f"expected an http:// base URL, got {base_url!r}")
        self.host = split.hostname
        self.port = split.port or 80
        self.path = path
        self.signing_secret = signing_secret
        self.clock = clock
        self.timeout = timeout
        self.triggers = triggers
        self.response_urls = response_urls
        # Which workspace the requests come from (team_id, enterprise_id, ...): for an app installed by many.
        self.workspace = dict(workspace or {})

    def prepare(
        self,
        request: SlackRequest,
        *,
        age: float = 0,
        timestamp: int | None = None,
        signing_secret: str | None = None,
        signature: str | None = None,
    ) -> PreparedRequest:
        """Sign `request`. For security tests: `age` (seconds in the past) or `timestamp` makes it stale,
        `signing_secret` signs with another secret, `signature` sends that exact header value."""
        ts = timestamp if timestamp is not None else int(self.clock() - age)
        headers = {
            "Content-Type": request.content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        headers.update(sign(signing_secret or self.signing_secret, ts, request.body))
        if signature is not None:
            headers["X-Slack-Signature"] = signature
        headers.update(request.headers)
        return PreparedRequest(self.path, request.body, headers)

    def post(self, prepared: PreparedRequest, timeout: float | None = None) -> Reply:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout or self.timeout)
        try:
            connection.request("POST", prepared.path, body=prepared.body, headers=prepared.headers)
            response = connection.getresponse()
            raw = response.read()
            headers = {k.lower(): v for k, v in response.getheaders()}
        finally:
            connection.close()
        return Reply(response.status, headers, _parse(raw, headers.get("content-type", "")))

    def send(
        self,
        request: SlackRequest,
        *,
        age: float = 0,
        timestamp: int | None = None,
        signing_secret: str | None = None,
        signature: str | None = None,
    ) -> Reply:
        """Sign (see prepare() for the forging options) and POST."""
        prepared = self.prepare(
            request, age=age, timestamp=timestamp, signing_secret=signing_secret, signature=signature
        )
        return self.post(prepared)

    command = _sends(payloads.command)
    event = _sends(payloads.event)
    url_verification = _sends(payloads.url_verification)
    block_action = _sends(payloads.block_action)
    view_submission = _sends(payloads.view_submission)
    view_closed = _sends(payloads.view_closed)
    global_shortcut = _sends(payloads.global_shortcut)
    message_shortcut = _sends(payloads.message_shortcut)


def _parse(raw: bytes, content_type: str) -> Any:
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type or text[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text
