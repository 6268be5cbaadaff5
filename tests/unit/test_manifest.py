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
                                                                      "app_mention", "reaction_added",
                                                                      "assistant_thread_started"}
    assert m["features"]["assistant_view"]["assistant_description"]
    step = m["functions"]["madoguchi_approval"]
    assert set(step["input_parameters"]) == {"request_type", "requester", "amount", "fields"}
    assert set(step["output_parameters"]) == {"outcome", "ticket_number", "approver", "comment"}
    assert step["input_parameters"]["requester"]["type"] == "slack#/types/user_context"  # who ran it, not typed in
    assert m["settings"]["function_runtime"] == "remote" and m["settings"]["org_deploy_enabled"] is True
    assert "function_executed" in m["settings"]["event_subscriptions"]["bot_events"]
    scopes = m["oauth_config"]["scopes"]["bot"]
    assert scopes == BOT_SCOPES
    assert "chat:write" in scopes and "admin" not in " ".join(scopes)
    assert not any(s.startswith(("channels:write", "users:write", "chat:write.customize")) for s in scopes)


def test_yaml_round_trips(config):
    assert yaml.safe_load(manifest_yaml(config, socket_mode=True)) == manifest(config, socket_mode=True)


# -- `madoguchi manifest` as an operator runs it -------------------------------------------------------------
@pytest.fixture
def run(monkeypatch, capsys):
    """`madoguchi manifest …` in HTTP mode unless asked for Socket Mode: (exit code, stdout, stderr lines)."""
    from bot.cli import main

    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)

    def invoke(*args: str) -> tuple[int, str, list[str]]:
        code = main(["manifest", *args])
        out = capsys.readouterr()
        return code, out.out, [line for line in out.err.splitlines() if line.strip()]

    return invoke


def test_without_a_url_the_placeholder_comes_with_a_warning(run):
    code, out, err = run()

    assert code == 0
    assert yaml.safe_load(out)["settings"]["interactivity"]["request_url"] == "https://YOUR-HOST/slack/events"
    assert err == ["madoguchi manifest: warning: no --url given, so every request URL reads "
                   "https://YOUR-HOST/slack/events; replace YOUR-HOST with the bot's public host before pasting, "
                   "or run again with --url https://<host>/slack/events"]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://helpdesk.example.co.jp/slack/events", "Slack sends requests only to https:// URLs"),
        ("http://127.0.0.1:3000/slack/events", "Slack sends requests only to https:// URLs"),
        ("helpdesk.example.co.jp/slack/events", "not an https:// URL"),
        ("https:///slack/events", "no host"),
        ("https://helpdesk example/slack/events", "no host"),
    ],
    ids=["http", "http-localhost", "no-scheme", "no-host", "space-in-host"],
)
def test_a_url_slack_cannot_call_is_refused_in_one_line(run, url, says):
    code, out, err = run("--url", url)

    assert code == 2
    assert out == ""
    assert len(err) == 1 and err[0].startswith(f"madoguchi manifest: --url {url!r}: "), err
    assert says in err[0], err


def test_an_https_url_is_used_without_a_word(run):
    code, out, err = run("--url", "https://helpdesk.example.co.jp/slack/events")

    assert (code, err) == (0, [])
    assert yaml.safe_load(out)["features"]["slash_commands"][0]["url"] == "https://helpdesk.example.co.jp/slack/events"


def test_a_url_off_the_bots_path_is_used_with_a_warning(run):
    code, out, err = run("--url", "https://helpdesk.example.co.jp/events")

    assert code == 0 and yaml.safe_load(out)["settings"]["event_subscriptions"]["request_url"].endswith("/events")
    assert err == ["madoguchi manifest: warning: the bot answers Slack at /slack/events, and this URL's path is "
                   "/events: a proxy in front of it must forward it there"]


def test_socket_mode_needs_no_url_and_says_so_when_given_one(run):
    assert run("--socket-mode")[::2] == (0, [])

    code, out, err = run("--socket-mode", "--url", "https://helpdesk.example.co.jp/slack/events")

    assert code == 0 and "request_url" not in yaml.safe_load(out)["settings"]["interactivity"]
    assert err == ["madoguchi manifest: warning: --url is not used in Socket Mode (Slack connects over the app's "
                   "socket); leave it out, or use --http"]
