"""The request gate: the one home of Slack's request-signing rule (docs/SECURITY.md).

Every HTTP request for Bolt passes here first. At most MAX_BODY_BYTES are read (a larger announced
Content-Length is refused before a byte of the body is read: 413); the `v0` signature is checked on
those raw bytes — timestamp plain ASCII digits within MAX_SKEW_S of now, HMAC-SHA256 compared in
constant time — before anything decodes or parses them. An unverified request gets 401 and one
WARNING line (no content, no traceback), and nothing else looks at it. A verified body that is not
what Slack sends (not UTF-8, bad form encoding, `payload=` not a JSON object, pathological nesting)
gets 400.

slack_sdk's SignatureVerifier is not used: it raises on a non-numeric timestamp (`int("abc")`) and on
a body that is not UTF-8, and accepts timestamps like " 1_700_000_000"."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltRequest

log = logging.getLogger(__name__)

# Slack's payloads are far below this (a full modal's state is tens of kB).
MAX_BODY_BYTES = 1024 * 1024
MAX_SKEW_S = 300
_READ_CHUNK = 64 * 1024
_TIMESTAMP_DIGITS = 12  # seconds since 1970 fit in 10 digits until the year 2286
# Marks a BoltRequest built from a verified body (MadoguchiApp refuses HTTP requests without it).
VERIFIED = "madoguchi_verified_by_gate"


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    return "v0=" + hmac.new(secret, b"v0:" + timestamp.encode("ascii") + b":" + body, hashlib.sha256).hexdigest()


def rejection(secret: bytes, timestamp: str | None, given: str | None, body: bytes, now: float) -> str | None:
    """None when `given` is Slack's signature of `body` at `timestamp`; else why not (for the log)."""
    if not timestamp or not given:
        return "unsigned"
    if len(timestamp) > _TIMESTAMP_DIGITS or not (timestamp.isascii() and timestamp.isdigit()):
        return "bad timestamp"
    if abs(now - int(timestamp)) > MAX_SKEW_S:
        return "stale timestamp"
    # WSGI header values are latin-1 strings (PEP 3333): compare bytes, which never raises.
    if not hmac.compare_digest(signature(secret, timestamp, body).encode("ascii"),
                               given.encode("latin-1", "replace")):
        return "bad signature"
    return None


@dataclass(frozen=True)
class Answer:
    """The gate's own HTTP answer when the request goes no further."""

    status: int
    reason: str

    @property
    def body(self) -> bytes:
        return json.dumps({"error": self.reason}).encode()


TOO_LARGE = Answer(413, "request too large")
UNAUTHORIZED = Answer(401, "invalid request")
MALFORMED = Answer(400, "malformed request")


def read_capped(environ: dict[str, Any], cap: int = MAX_BODY_BYTES) -> bytes | None:
    """The raw body, or None when it is larger than `cap` (never more than cap + 1 bytes are read)."""
    stream = environ.get("wsgi.input")
    announced = environ.get("CONTENT_LENGTH") or ""
    if announced:
        if not (announced.isascii() and announced.isdigit()):
            return None if stream is not None else b""
        length = int(announced)
        if length > cap:
            return None
        limit = length
    else:
        limit = cap + 1  # no length (chunked): read up to one byte past the cap to know
    if stream is None or limit == 0:
        return b""
    parts: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = stream.read(min(_READ_CHUNK, remaining))
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    body = b"".join(parts)
    return None if len(body) > cap else body


class Gate:
    """Turns a WSGI environ into a BoltRequest built only from verified bytes, or an Answer."""

    def __init__(self, signing_secret: str, *, now: Callable[[], float] = time.time,
                 cap: int = MAX_BODY_BYTES) -> None:
        if not signing_secret:
            raise ValueError("the gate needs the signing secret")
        self._secret = signing_secret.encode("utf-8")
        self._now = now
        self._cap = cap

    def admit(self, environ: dict[str, Any]) -> BoltRequest | Answer:
        raw = read_capped(environ, self._cap)
        if raw is None:
            log.warning("refused a request: body over %s bytes (413)", self._cap)
            return TOO_LARGE
        why = rejection(self._secret, environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
                        environ.get("HTTP_X_SLACK_SIGNATURE"), raw, self._now())
        if why is not None:
            log.warning("refused an unverified request: %s (401)", why)
            return UNAUTHORIZED
        headers = request_headers(environ)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is None:
            log.warning("refused a signed request: body not UTF-8 (400)")
            return MALFORMED
        try:
            # Bolt parses the body here, once: JSON, a form, or a form's payload= JSON. json.loads
            # stops pathological nesting with a RecursionError (its C scanner counts depth).
            request = BoltRequest(body=text, query=environ.get("QUERY_STRING", ""), headers=headers,
                                  context={VERIFIED: True})
        except (ValueError, RecursionError, TypeError, AttributeError, KeyError, IndexError):
            # Not JSON, or a shape Bolt cannot read (a list, "authorizations": "x", ...).
            log.warning("refused a signed but malformed request (400)")
            return MALFORMED
        if not isinstance(request.body, dict):
            log.warning("refused a signed request whose body is not an object (400)")
            return MALFORMED
        return request


def request_headers(environ: dict[str, Any]) -> dict[str, str]:
    # What Bolt's WSGI adapter passes on (slack_bolt.adapter.wsgi.http_request).
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            headers[key.lower().replace("_", "-")] = value
        elif key.startswith("HTTP_"):
            headers[key[5:].lower().replace("_", "-")] = value
    return headers
