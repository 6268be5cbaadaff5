"""bot/gate.py: the signing rule on raw bytes and the capped body read, without a server."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.gate import MAX_BODY_BYTES, Answer, Gate, read_capped, rejection
from bot.server import WsgiApp

DATA = Path(__file__).resolve().parents[1] / "data" / "slack"


def test_slacks_documented_example_verifies():
    body = (DATA / "slash_command_signing_example.form-urlencoded.txt").read_bytes()
    documented = json.loads((DATA / "slash_command_signing_example.headers.json").read_text())
    secret = documented["signing_secret"].encode()
    ts = documented["X-Slack-Request-Timestamp"]

    assert rejection(secret, ts, documented["X-Slack-Signature"], body, now=int(ts) + 299) is None
    assert rejection(secret, ts, documented["X-Slack-Signature"], body, now=int(ts) + 301) == "stale timestamp"
    assert rejection(secret, ts, documented["X-Slack-Signature"], body + b" ", now=int(ts)) == "bad signature"


@pytest.mark.parametrize("timestamp", ["abc", "", "-1", "+1531420618", " 1531420618", "1_531_420_618",
                                       "１５３１４２０６１８", "1" * 40, "1e9"])
def test_odd_timestamps_are_refused_without_raising(timestamp):
    assert rejection(b"s", timestamp, "v0=00", b"x", now=1531420618) is not None


@pytest.mark.parametrize("given", ["", "v0=ü", "v0=\udcff", "x" * 5000])
def test_odd_signature_headers_are_refused_without_raising(given):
    assert rejection(b"s", "1531420618", given, b"x", now=1531420618) is not None


class Endless(io.RawIOBase):
    """A body that never ends; counts what was read."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        size = 65536 if size is None or size < 0 else size
        self.read_bytes += size
        return b"a" * size


def test_an_unannounced_body_is_read_only_to_one_byte_past_the_cap():
    stream = Endless()
    assert read_capped({"wsgi.input": stream}) is None
    assert stream.read_bytes == MAX_BODY_BYTES + 1


def test_an_announced_length_over_the_cap_is_refused_without_reading():
    stream = Endless()
    assert read_capped({"wsgi.input": stream, "CONTENT_LENGTH": str(MAX_BODY_BYTES + 1)}) is None
    assert stream.read_bytes == 0


def test_a_lying_length_reads_only_what_it_announced():
    stream = Endless()
    assert read_capped({"wsgi.input": stream, "CONTENT_LENGTH": "10"}) == b"a" * 10
    assert stream.read_bytes == 10


def test_a_non_numeric_length_is_refused():
    assert read_capped({"wsgi.input": Endless(), "CONTENT_LENGTH": "12abc"}) is None


def test_the_gate_refuses_an_unsigned_request_with_401():
    answer = Gate("secret").admit({"wsgi.input": io.BytesIO(b"payload=%7B%7D"), "CONTENT_LENGTH": "14"})
    assert answer == Answer(401, "invalid request")


def test_without_a_signing_secret_http_serves_only_healthz():
    # Socket Mode: Bolt does not verify signatures there, so /slack/events must not exist over HTTP.
    class NoApp:
        def dispatch(self, _req):  # pragma: no cover - must not be reached
            raise AssertionError("dispatched")

    seen: list[str] = []
    body = WsgiApp(NoApp(), engine=None)(  # type: ignore[arg-type]
        {"PATH_INFO": "/slack/events", "REQUEST_METHOD": "POST", "wsgi.input": io.BytesIO(b"{}"),
         "CONTENT_LENGTH": "2"}, lambda status, _headers: seen.append(status))
    assert seen == ["404 Not Found"]
    assert b"not found" in b"".join(body)
