"""Requests from the fake Slack are signed and shaped exactly as Slack's own.

Signing is checked against Slack's documented vector and against slack_sdk's SignatureVerifier (what Bolt
uses); envelopes are checked key by key against real samples from Slack's SDK fixtures in tests/data/slack.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.fakeslack import SlackRequester, events, payloads, sign, state_value
from bot.fakeslack.payloads import SlackRequest

DATA = Path(__file__).resolve().parents[1] / "data" / "slack"
SECRET = "test-signing-secret"
NOW = 1_750_000_000


class FixedClock:
    """slack_sdk's Clock interface, frozen: signature checks become deterministic."""

    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


def verifier(now: float = NOW) -> SignatureVerifier:
    return SignatureVerifier(SECRET, clock=FixedClock(now))  # type: ignore[arg-type]


def requester() -> SlackRequester:
    # Never sent anywhere in these tests: prepare() only signs.
    return SlackRequester("http://127.0.0.1:9", SECRET, clock=lambda: NOW)


def sample(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def interactive_payload(request: SlackRequest) -> dict[str, Any]:
    fields = parse_qs(request.body.decode())
    assert list(fields) == ["payload"], "interactivity is a form with a single payload= field"
    return json.loads(fields["payload"][0])


# -- the documented vector ---------------------------------------------------------------------------
def test_slacks_documented_signing_example() -> None:
    body = (DATA / "slash_command_signing_example.form-urlencoded.txt").read_bytes()
    documented = sample("slash_command_signing_example.headers.json")

    headers = sign(documented["signing_secret"], documented["X-Slack-Request-Timestamp"], body)

    assert not body.endswith(b"\n")
    assert headers == {
        "X-Slack-Signature": documented["X-Slack-Signature"],
        "X-Slack-Request-Timestamp": "1531420618",
    }


def test_signature_matches_slack_sdk() -> None:
    body = b'{"type":"event_callback"}'
    assert sign(SECRET, NOW, body)["X-Slack-Signature"] == verifier().generate_signature(
        timestamp=str(NOW), body=body
    )


# -- every kind of request passes Bolt's verifier ---------------------------------------------------
MESSAGE = {"type": "message", "text": "承認をお願いします", "user": "U0MADOGUCHI", "ts": "1700000000.000100"}
VIEW = {
    "id": "V1",
    "type": "modal",
    "callback_id": "expense_form",
    "title": {"type": "plain_text", "text": "経費"},
}

EVERY_KIND = {
    "command": payloads.command(user_id="U0TANAKA", text="経費精算 締め日"),
    "event": payloads.event(events.message(user="U0TANAKA", channel="D0TANAKA", text="締め日は？")),
    "event retry": payloads.event(events.app_mention(user="U0T", channel="C1", text="hi"), retry_num=1),
    "url_verification": payloads.url_verification("challenge-me"),
    "block_action": payloads.block_action(
        user_id="U0SATO", action_id="approve", value="42:7:1", channel_id="D0SATO", message=MESSAGE
    ),
    "view_submission": payloads.view_submission(user_id="U0TANAKA", view=VIEW),
    "view_closed": payloads.view_closed(user_id="U0TANAKA", view=VIEW),
    "global_shortcut": payloads.global_shortcut(callback_id="new_request", user_id="U0TANAKA"),
    "message_shortcut": payloads.message_shortcut(
        callback_id="to_inquiry", user_id="U0TANAKA", channel_id="C1", message=MESSAGE
    ),
}


@pytest.mark.parametrize("request_", EVERY_KIND.values(), ids=EVERY_KIND.keys())
def test_slack_sdk_verifier_accepts_what_the_requester_signs(request_: SlackRequest) -> None:
    prepared = requester().prepare(request_)

    assert verifier().is_valid_request(prepared.body, prepared.headers)
    assert prepared.headers["Content-Type"] == request_.content_type


FORGERIES = {
    "another secret": {"signing_secret": "not-the-secret"},
    "tampered signature": {"signature": "v0=" + "0" * 64},
    "stale by 301 s": {"age": 301},
    "from the future by 301 s": {"age": -301},
}


@pytest.mark.parametrize("forgery", FORGERIES.values(), ids=FORGERIES.keys())
def test_slack_sdk_verifier_rejects_forged_or_stale_requests(forgery: dict[str, Any]) -> None:
    prepared = requester().prepare(EVERY_KIND["command"], **forgery)

    assert not verifier().is_valid_request(prepared.body, prepared.headers)


def test_a_request_within_the_five_minute_window_is_still_valid() -> None:
    prepared = requester().prepare(EVERY_KIND["command"], age=299)

    assert verifier().is_valid_request(prepared.body, prepared.headers)


def test_a_tampered_body_is_rejected() -> None:
    prepared = requester().prepare(EVERY_KIND["command"])

    assert not verifier().is_valid_request(prepared.body.replace(b"U0TANAKA", b"U0ADMIN0"), prepared.headers)


# -- wire formats -------------------------------------------------------------------------------------
def test_slash_command_is_plain_form_fields_named_like_slacks() -> None:
    real = dict(parse_qsl((DATA / "slash_command.form-urlencoded.txt").read_text(), keep_blank_values=True))
    built = payloads.command(user_id="U0TANAKA", text="経費 精算", channel_id="C0HELP")

    fields = dict(parse_qsl(built.body.decode(), keep_blank_values=True))
    assert built.content_type == "application/x-www-form-urlencoded"
    assert set(real) - {"enterprise_id", "enterprise_name"} <= set(fields)
    assert fields["command"] == "/helpdesk"
    assert fields["text"] == "経費 精算"
    assert (fields["user_id"], fields["channel_id"]) == ("U0TANAKA", "C0HELP")


def test_events_are_json_and_a_retry_repeats_the_event_id_with_retry_headers() -> None:
    first = payloads.event(events.message(user="U0T", channel="D0T", text="hi"), event_id="Ev0001")
    retry = payloads.event(first.payload["event"], event_id="Ev0001", retry_num=2, retry_reason="http_error")

    assert first.content_type == "application/json"
    assert json.loads(first.body)["event_id"] == json.loads(retry.body)["event_id"] == "Ev0001"
    assert first.headers == {}
    assert retry.headers == {"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_error"}


def test_a_click_on_a_select_carries_the_selected_option() -> None:
    request = payloads.block_action(
        user_id="U0T", action_id="priority", action_type="static_select", selected_option="high", view=VIEW
    )

    payload = interactive_payload(request)
    assert payload["actions"][0]["selected_option"]["value"] == "high"
    assert payload["container"] == {"type": "view", "view_id": "V1"}
    assert "response_url" not in payload, "clicks inside a modal carry no response_url"


def test_view_submission_state_values_take_slacks_shapes() -> None:
    values = {
        "amount": {"input": state_value("number_input", "12000")},
        "category": {"input": state_value("static_select", "travel")},
        "approvers": {"input": state_value("multi_users_select", ["U1", "U2"])},
        "date": {"input": state_value("datepicker", "2025-03-31")},
        "note": {"input": state_value("plain_text_input", None)},
    }

    view = interactive_payload(payloads.view_submission(user_id="U0T", view=VIEW, values=values))["view"]

    state = view["state"]["values"]
    assert state["amount"]["input"] == {"type": "number_input", "value": "12000"}
    assert state["category"]["input"]["selected_option"]["value"] == "travel"
    assert state["approvers"]["input"]["selected_users"] == ["U1", "U2"]
    assert state["date"]["input"]["selected_date"] == "2025-03-31"
    assert state["note"]["input"]["value"] is None
    assert (view["callback_id"], view["id"]) == ("expense_form", "V1")


# -- envelopes carry every key Slack's real samples carry -------------------------------------------
def keys_missing(real: dict[str, Any], built: dict[str, Any], path: str = "") -> list[str]:
    """Keys of the real sample absent from the built one, recursively through Slack's own objects.

    Content the app or the test supplies (the message clicked, a view's optional submit/close) and
    org-install extras are not envelope and are skipped."""
    missing = []
    for key, value in real.items():
        if key in ("enterprise_id", "enterprise_name", "client_msg_id", "authed_users", "close", "submit"):
            continue
        if key not in built:
            missing.append(path + key)
        elif isinstance(value, dict) and isinstance(built[key], dict) and key not in ("state", "message"):
            missing += keys_missing(value, built[key], f"{path}{key}.")
    return missing


PARITY = {
    "event_callback_app_mention.json": payloads.event(
        events.app_mention(user="U0T", channel="C1", text="hi")
    ),
    "event_callback_message_im.json": payloads.event(events.message(user="U0T", channel="D1", text="hi")),
    "block_actions_button_with_message.json": payloads.block_action(
        user_id="U0T", action_id="button", value="clicked", channel_id="C1", message=MESSAGE
    ),
    "view_submission_plain_text_input.json": payloads.view_submission(user_id="U0T", view=VIEW),
    "view_closed.json": payloads.view_closed(user_id="U0T", view=VIEW),
    "shortcut_global.json": payloads.global_shortcut(callback_id="c", user_id="U0T"),
    "message_action.json": payloads.message_shortcut(
        callback_id="c", user_id="U0T", channel_id="C1", message=MESSAGE
    ),
    "url_verification.json": payloads.url_verification(),
}


@pytest.mark.parametrize(("sample_name", "built"), PARITY.items(), ids=PARITY.keys())
def test_built_envelope_has_every_key_of_slacks_sample(sample_name: str, built: SlackRequest) -> None:
    real = sample(sample_name)
    decoded = (
        json.loads(built.body) if built.content_type == "application/json" else interactive_payload(built)
    )

    assert keys_missing(real, decoded) == []
    assert decoded["type"] == real["type"]
