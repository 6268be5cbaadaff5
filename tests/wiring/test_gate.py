"""The request gate, through the real HTTP server: nothing from a request whose signature is not verified
on its raw bytes is ever used (401, one WARNING line, no traceback, no Slack call, no outbox row);
bodies are capped (413); malformed signed bodies get 400; no request produces a 5xx."""

from __future__ import annotations

import http.client
import json
import logging
import time
from urllib.parse import urlencode

import pytest

from bot.fakeslack import payloads
from bot.fakeslack.payloads import SlackRequest
from bot.fakeslack.signing import sign
from tests.harness import SIGNING_SECRET

EMPLOYEE_JA = "UEMPLOYEE1"
VICTIM = "UEMPLOYEE2"
FORM = "application/x-www-form-urlencoded"


def post_raw(bot, body: bytes | object, headers: dict[str, str], *, timeout: float = 10,
             encode_chunked: bool = False) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", bot.http.port, timeout=timeout)
    try:
        connection.request("POST", "/slack/events", body=body, headers=headers, encode_chunked=encode_chunked)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def signed(body: bytes, content_type: str = FORM, **overrides: str) -> dict[str, str]:
    return {"Content-Type": content_type, **sign(SIGNING_SECRET, int(time.time()), body), **overrides}


def click_naming(user: str, channel: str) -> bytes:
    payload = {"type": "block_actions", "user": {"id": user, "team_id": "T0MADOGUCHI"},
               "team": {"id": "T0MADOGUCHI"}, "channel": {"id": channel},
               "container": {"type": "message", "channel_id": channel, "message_ts": "1700000000.000100"},
               "actions": [{"action_id": "no_such_action", "type": "button", "value": "1"}],
               "trigger_id": "1.2.3", "api_app_id": "A0MADOGUCHI"}
    return urlencode({"payload": json.dumps(payload)}).encode()


def event_naming(user: str, channel: str) -> bytes:
    return json.dumps({"type": "event_callback", "team_id": "T0MADOGUCHI", "api_app_id": "A0MADOGUCHI",
                       "event_id": "Ev0FORGED001", "event_time": 1700000000,
                       "event": {"type": "message", "channel": channel, "channel_type": "im", "user": user,
                                 "text": "hello", "ts": "1700000000.000100"}}).encode()


def command_naming(user: str, channel: str) -> bytes:
    return urlencode({"command": "/helpdesk", "text": "help", "user_id": user, "channel_id": channel,
                      "team_id": "T0MADOGUCHI", "trigger_id": "1.2.3"}).encode()


def assert_untouched(bot, caplog: pytest.LogCaptureFixture) -> None:
    """No Slack call, no outbox row, exactly one WARNING line and no traceback."""
    time.sleep(0.1)  # anything the request might have started in the background has had time to show
    assert bot.slack.calls() == []
    assert bot.outbox() == []
    # Ours only: waitress, the test server, warns of its queue depth on a busy machine.
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING and not r.name.startswith("waitress")]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert not any(r.exc_info for r in caplog.records)


@pytest.mark.parametrize("body", [click_naming(VICTIM, "C0HELPDESK"), click_naming(VICTIM, "D0VICTIM"),
                                  command_naming(VICTIM, "C0HELPDESK")], ids=["click", "dm-click", "command"])
def test_a_non_numeric_timestamp_is_401_and_nothing_from_the_body_is_used(bot, caplog, body):
    caplog.set_level(logging.DEBUG)
    status, _ = post_raw(bot, body, {"Content-Type": FORM, "X-Slack-Request-Timestamp": "abc",
                                     "X-Slack-Signature": "v0=" + "0" * 64})
    assert status == 401
    assert_untouched(bot, caplog)


def test_a_forged_event_with_a_non_numeric_timestamp_is_401(bot, caplog):
    caplog.set_level(logging.DEBUG)
    status, _ = post_raw(bot, event_naming(VICTIM, "D0VICTIM"),
                         {"Content-Type": "application/json", "X-Slack-Request-Timestamp": "abc",
                          "X-Slack-Signature": "v0=" + "0" * 64})
    assert status == 401
    assert_untouched(bot, caplog)


@pytest.mark.parametrize("headers", [
    {},  # no signature at all
    {"X-Slack-Request-Timestamp": "1700000000"},
    {"X-Slack-Signature": "v0=" + "0" * 64},
    {"X-Slack-Request-Timestamp": "١٧٠٠٠٠٠٠٠٠", "X-Slack-Signature": "v0=" + "0" * 64},  # not ASCII digits
    {"X-Slack-Request-Timestamp": " 1_700_000_000", "X-Slack-Signature": "v0=" + "0" * 64},
], ids=["none", "timestamp-only", "signature-only", "arabic-digits", "underscores"])
def test_a_missing_or_odd_signature_is_401(bot, caplog, headers):
    caplog.set_level(logging.DEBUG)
    body = command_naming(VICTIM, "C0HELPDESK")
    sent = {"Content-Type": FORM}
    sent.update({k: v.encode("utf-8").decode("latin-1") for k, v in headers.items()})
    status, _ = post_raw(bot, body, sent)
    assert status == 401
    assert_untouched(bot, caplog)


def test_a_stale_correctly_signed_request_is_401(bot, caplog):
    caplog.set_level(logging.DEBUG)
    body = command_naming(EMPLOYEE_JA, "C0HELPDESK")
    status, _ = post_raw(bot, body, {"Content-Type": FORM, **sign(SIGNING_SECRET, int(time.time()) - 301, body)})
    assert status == 401
    assert_untouched(bot, caplog)


NESTED = b"[" * 200_000
GARBAGE = {
    "payload-not-json": (b"payload=notjson", FORM),
    "nested-json": (NESTED, "application/json"),
    "nested-payload": (b"payload=" + b"%5B" * 200_000, FORM),
    "not-utf8": (b"payload=\xff\xfe\xfa", FORM),
    "not-utf8-json": (b'{"type": "\xff"}', "application/json"),
    "json-not-an-object": (b'["event_callback"]', "application/json"),
    "payload-not-an-object": (b"payload=%5B1%5D", FORM),
    "truncated-json": (b'{"type": "event_callback", ', "application/json"),
}


@pytest.mark.parametrize("name", list(GARBAGE))
def test_unsigned_garbage_is_401_without_a_traceback(bot, caplog, name):
    caplog.set_level(logging.DEBUG)
    body, content_type = GARBAGE[name]
    status, _ = post_raw(bot, body, {"Content-Type": content_type})
    assert status == 401
    assert_untouched(bot, caplog)


@pytest.mark.parametrize("name", list(GARBAGE))
def test_signed_garbage_is_400_without_a_traceback(bot, caplog, name):
    caplog.set_level(logging.DEBUG)
    body, content_type = GARBAGE[name]
    status, _ = post_raw(bot, body, signed(body, content_type))
    assert status == 400
    time.sleep(0.1)
    assert bot.slack.calls() == []
    assert bot.outbox() == []
    assert not any(r.exc_info for r in caplog.records)
    assert len([r for r in caplog.records
                if r.levelno >= logging.WARNING and not r.name.startswith("waitress")]) <= 1


def test_a_body_announced_over_the_cap_is_413_before_it_is_sent(bot):
    connection = http.client.HTTPConnection("127.0.0.1", bot.http.port, timeout=5)
    try:
        connection.putrequest("POST", "/slack/events")
        connection.putheader("Content-Type", FORM)
        connection.putheader("Content-Length", str(2 * 1024 * 1024))
        connection.endheaders()
        connection.send(b"payload=" + b"a" * 1000)  # and nothing more: the answer must not wait for the rest
        response = connection.getresponse()
        assert response.status == 413
    finally:
        connection.close()


def test_a_chunked_body_over_the_cap_is_413(bot):
    chunks = (b"a" * 65536 for _ in range(40))  # 2.5 MiB, no Content-Length
    status, _ = post_raw(bot, chunks, {"Content-Type": FORM, "Transfer-Encoding": "chunked"},
                         encode_chunked=True)
    assert status == 413
    assert bot.slack.calls() == []


def test_a_signed_well_formed_request_still_works(bot):
    reply = bot.requester.send(payloads.command(user_id=EMPLOYEE_JA, text="help"))
    assert reply.status == 200
    assert reply.body["text"].startswith("窓口（madoguchi）の使い方")


def test_a_signed_request_with_extra_headers_case_and_a_charset_still_works(bot):
    request = payloads.command(user_id=EMPLOYEE_JA, text="help")
    body = request.body
    headers = {"content-type": FORM + "; charset=utf-8",
               **{k.lower(): v for k, v in sign(SIGNING_SECRET, int(time.time()), body).items()}}
    status, raw = post_raw(bot, body, headers)
    assert status == 200
    assert json.loads(raw)["text"].startswith("窓口（madoguchi）の使い方")


def test_the_events_path_answers_only_post(bot):
    connection = http.client.HTTPConnection("127.0.0.1", bot.http.port, timeout=5)
    try:
        connection.request("GET", "/slack/events")
        assert connection.getresponse().status in (404, 405)
    finally:
        connection.close()


def test_a_signed_request_is_not_reverified_by_bolt(bot):
    # The gate verified the raw bytes; Bolt's own verifier (which logs bodies and raises on odd
    # timestamps) is off, and an app request that did not come through the gate is refused.
    from slack_bolt import BoltRequest

    request = SlackRequest(command_naming(EMPLOYEE_JA, "C0HELPDESK"), FORM, {})
    response = bot.app.dispatch(BoltRequest(body=request.body.decode(), headers={"content-type": FORM}))
    assert response.status == 401
    assert bot.slack.calls() == []
