"""A Slack WebClient that keeps its HTTP connections open between calls.

slack_sdk's WebClient goes through urllib, which opens a new connection — and against slack.com a new
TLS handshake — for every call. The calls we make while Slack waits for our ack (views.open within the
trigger_id's 3 seconds) pay that on every click, and the outbox pays it for every message. This client
keeps one connection per thread and host and reuses it, as urllib3/requests pools do; everything else
(retry handlers, 429 / Retry-After, error types) stays slack_sdk's, because only the innermost
"send this urllib Request" step is replaced and it keeps urllib's contract: HTTPError for 4xx/5xx,
URLError when the request cannot be sent, the raw http.client error when the answer breaks off.

A connection is not reused when it has been idle longer than `max_idle` (servers close idle
keep-alive connections, and a request written into a connection the server is closing is ambiguous —
it may or may not have been processed, so it must not be retried blindly) or when its socket is
already readable (the peer closed it, or sent something unasked), the check urllib3 makes too.
"""

from __future__ import annotations

import http.client
import io
import select
import socket
import ssl
import threading
import time
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient

DEFAULT_MAX_IDLE_S = 4.0


class _Pooled:
    __slots__ = ("conn", "last_used")

    def __init__(self, conn: http.client.HTTPConnection) -> None:
        self.conn = conn
        self.last_used = time.monotonic()


class KeepAliveWebClient(WebClient):
    """WebClient whose HTTP(S) connections are reused per thread (no proxy; with a proxy, urllib as usual)."""

    def __init__(self, *args: Any, max_idle: float = DEFAULT_MAX_IDLE_S, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_idle = max_idle
        self._local = threading.local()

    # -- slack_sdk's innermost step ------------------------------------------------------------------
    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        parts = urlsplit(url)
        if self.proxy is not None or parts.scheme not in ("http", "https"):
            return super()._perform_urllib_http_request_internal(url, req)
        key = (parts.scheme, parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = dict(req.header_items())
        try:
            pooled = self._checkout(key)
            conn = pooled.conn
            conn.request(req.get_method(), path, body=req.data, headers=headers)
        except OSError as exc:  # as urllib: a request that could not be connected or sent is a URLError
            self._discard(key)
            raise URLError(exc) from exc
        try:
            response = conn.getresponse()
            body = response.read()
        except BaseException:
            self._discard(key)
            raise
        if response.will_close:
            self._discard(key)
        else:
            pooled.last_used = time.monotonic()
        status = response.status
        if status >= 400:
            raise HTTPError(url, status, response.reason, response.msg, io.BytesIO(body))
        if response.msg.get_content_type() == "application/gzip":
            return {"status": status, "headers": response.msg, "body": body}
        charset = response.msg.get_content_charset() or "utf-8"
        return {"status": status, "headers": response.msg, "body": body.decode(charset)}

    # -- the per-thread pool -------------------------------------------------------------------------
    def _connections(self) -> dict[tuple[str, str, int], _Pooled]:
        pool = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
        return pool

    def _checkout(self, key: tuple[str, str, int]) -> _Pooled:
        pool = self._connections()
        pooled = pool.get(key)
        if pooled is not None and not self._reusable(pooled):
            self._discard(key)
            pooled = None
        if pooled is None:
            pooled = pool[key] = _Pooled(self._connect(key))
        pooled.conn.timeout = self.timeout
        if pooled.conn.sock is not None:
            pooled.conn.sock.settimeout(self.timeout)
        return pooled

    def _connect(self, key: tuple[str, str, int]) -> http.client.HTTPConnection:
        scheme, host, port = key
        if scheme == "https":
            context = self.ssl if isinstance(self.ssl, ssl.SSLContext) else ssl.create_default_context()
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(host, port, timeout=self.timeout,
                                                                             context=context)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
        conn.connect()
        # Headers and body go out in separate writes for large bodies; without NODELAY, Nagle and the
        # peer's delayed ACK can hold the second one for 40 ms.
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def _reusable(self, pooled: _Pooled) -> bool:
        if time.monotonic() - pooled.last_used > self.max_idle:
            return False
        sock = pooled.conn.sock
        if sock is None:
            return False
        try:
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable  # readable while idle = closed by the peer (EOF) or out of step

    def _discard(self, key: tuple[str, str, int]) -> None:
        pooled = self._connections().pop(key, None)
        if pooled is not None:
            pooled.conn.close()
