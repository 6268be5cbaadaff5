"""Socket Mode: with SLACK_APP_TOKEN set, the same app answers envelopes over a WebSocket."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import build_app
from bot.composition import build_services
from bot.config import load_workspace
from bot.fakeslack import BOT_TOKEN, FakeSlackServer, payloads
from bot.fakeslack.socket_mode import FakeSocketMode
from bot.settings import BUNDLED_CONFIG, Settings
from tests.harness import people_as_fake_users

APP_TOKEN = "xapp-1-A0MADOGUCHI-1-fake"


@pytest.fixture
def socket_bot(clean_engine) -> Iterator[tuple[FakeSlackServer, FakeSocketMode, object]]:
    config = load_workspace(BUNDLED_CONFIG)
    with FakeSlackServer(users=people_as_fake_users(config)) as slack, FakeSocketMode(slack) as socket:
        settings = Settings(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN, SLACK_API_URL=slack.url,
                            DATABASE_URL=clean_engine.url.render_as_string(hide_password=False))
        services = build_services(settings, config=config, engine=clean_engine)
        handler = SocketModeHandler(build_app(settings, services=services), APP_TOKEN)
        handler.connect()
        assert socket.wait_connected(), "the app never opened the WebSocket"
        try:
            yield slack, socket, services
        finally:
            handler.close()
            services.dispatcher.stop()


def test_a_slash_command_over_socket_mode_is_answered_in_the_ack(socket_bot):
    slack, socket, _ = socket_bot
    command = dict(parse_qsl(payloads.command(user_id="UEMPLOYEE2", text="help").body.decode()))

    ack = socket.send("slash_commands", command)

    assert ack["payload"]["text"].startswith("How to use madoguchi")
    assert slack.calls("apps.connections.open")


def test_an_event_over_socket_mode_is_processed_once_even_when_redelivered(socket_bot):
    slack, socket, services = socket_bot
    dm = slack.dm_channel("UEMPLOYEE1")
    envelope = payloads.event(slack.user_says(dm, "UEMPLOYEE1", "VPNに繋がらない"), event_id="Ev0SOCKET01").payload

    socket.send("events_api", envelope)
    socket.send("events_api", envelope, retry_attempt=1)
    services.dispatcher.drain()

    answers = [m for m in slack.messages(dm) if m.get("bot_id") or m.get("user") != "UEMPLOYEE1"]
    assert len(answers) == 1
    assert "VPN" in answers[0]["text"]
