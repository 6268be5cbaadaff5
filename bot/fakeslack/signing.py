"""Request signing exactly as Slack does it (v0 scheme)."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Slack-Signature"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"


def signature(signing_secret: str, timestamp: int | str, body: bytes) -> str:
    """`v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` keyed with the signing secret."""
    basestring = b"v0:" + str(timestamp).encode("ascii") + b":" + body
    return "v0=" + hmac.new(signing_secret.encode("utf-8"), basestring, hashlib.sha256).hexdigest()


def sign(signing_secret: str, timestamp: int | str, body: bytes) -> dict[str, str]:
    """The two headers Slack adds to every request it sends to an app."""
    return {
        SIGNATURE_HEADER: signature(signing_secret, timestamp, body),
        TIMESTAMP_HEADER: str(timestamp),
    }
