"""The Slack app manifest asks for what the features use, and no more."""

from __future__ import annotations

import pytest
import yaml

from bot.config import load_workspace
from bot.manifest import BOT_SCOPES, manifest, manifest_yaml
from bot.settings import BUNDLED_CONFIG


@pytest.fixture(scope="module")
def config():
    return load_workspace(BUNDLED_CONFIG)


def test_socket_mode_manifest_has_no_request_urls(config):
    m = manifest(config, socket_mode=True)
    assert m["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in m["settings"]["interactivity"]
    assert "url" not in m["features"]["slash_commands"][0]


def test_http_manifest_points_everything_at_one_url(config):
    m = manifest(config, socket_mode=False, request_url="https://desk.example.jp/slack/events")
    assert m["settings"]["event_subscriptions"]["request_url"] == "https://desk.example.jp/slack/events"
    assert m["settings"]["interactivity"]["request_url"] == "https://desk.example.jp/slack/events"
    assert m["features"]["slash_commands"][0]["url"] == "https://desk.example.jp/slack/events"


def test_features_and_scopes(config):
    m = manifest(config, socket_mode=True)
    assert m["features"]["slash_commands"][0]["command"] == "/helpdesk"
    assert {s["callback_id"] for s in m["features"]["shortcuts"]} == {"new_request", "inquiry_from_message"}
    assert m["features"]["app_home"]["home_tab_enabled"] and m["features"]["app_home"]["messages_tab_enabled"]
    assert set(m["settings"]["event_subscriptions"]["bot_events"]) >= {"app_home_opened", "message.im",
                                                                      "app_mention", "reaction_added"}
    scopes = m["oauth_config"]["scopes"]["bot"]
    assert scopes == BOT_SCOPES
    assert "chat:write" in scopes and "admin" not in " ".join(scopes)
    assert not any(s.startswith(("channels:write", "users:write", "chat:write.customize")) for s in scopes)


def test_yaml_round_trips(config):
    assert yaml.safe_load(manifest_yaml(config, socket_mode=True)) == manifest(config, socket_mode=True)
