"""`madoguchi manifest`: the Slack app manifest this config needs — the scopes its features use
and no more, the /helpdesk command, shortcuts, events, Home and Messages tabs."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.config import WorkspaceConfig
from bot.workflow_steps.spec import manifest_function

BOT_SCOPES = [
    "app_mentions:read",  # @madoguchi questions in channels
    "assistant:write",  # the DM as an agent container: suggested prompts, a status while the FAQ is searched
    # *:history also let the outbox check, after a post whose answer was lost, whether it landed
    # (conversations.history with its metadata) before posting again: no duplicate triage cards.
    "channels:history",  # read the message a 🎫 reaction points at (public help channels)
    "chat:write",  # answers, receipts, triage cards, approvals
    "commands",  # /helpdesk
    "files:read",  # receipts and invoices attached in request forms (file_input), fetched on submission
    "files:write",  # the weekly digest chart
    "groups:history",  # 🎫 in private help channels; the outbox's lookup in private triage channels
    "im:history",  # questions sent to the bot by DM; the outbox's lookup of a receipt DM
    "im:write",  # open DMs for receipts and approval requests
    "reactions:read",  # 🎫 reaction_added events
    "users:read",  # the user's language (users.info locale)
    "users:read.email",  # org directory entries given by email
]
BOT_EVENTS = ["app_home_opened", "app_mention", "assistant_thread_context_changed", "assistant_thread_started",
              "function_executed", "message.im", "reaction_added"]
# OAuth mode (bot/tenancy): an uninstall, or the bot's tokens revoked, deletes the tokens and stops that desk.
INSTALL_EVENTS = ["app_uninstalled", "tokens_revoked"]
PLACEHOLDER_URL = "https://YOUR-HOST/slack/events"
EVENTS_PATH = "/slack/events"  # where bot/server.py hands requests to Bolt


def request_url_warnings(url: str) -> list[str]:
    """What is wrong with a request URL for HTTP mode. ValueError when Slack cannot call it at all (Slack
    sends requests only to https:// URLs, with a host); warnings for one that works only behind a proxy."""
    parts = urlsplit(url.strip())
    if parts.scheme == "http":
        raise ValueError("Slack sends requests only to https:// URLs; give the bot's public HTTPS address, "
                         "e.g. https://helpdesk.example.co.jp/slack/events (a TLS proxy in front of the bot)")
    if parts.scheme != "https":
        raise ValueError("not an https:// URL; write e.g. https://helpdesk.example.co.jp/slack/events")
    host = parts.hostname or ""
    if not host or any(c.isspace() for c in parts.netloc):
        raise ValueError("no host; write e.g. https://helpdesk.example.co.jp/slack/events")
    if (parts.path or "/") != EVENTS_PATH:
        return [f"the bot answers Slack at {EVENTS_PATH}, and this URL's path is {parts.path or '/'}: a proxy in "
                "front of it must forward it there"]
    return []


def manifest(config: WorkspaceConfig, *, socket_mode: bool, request_url: str | None = None,
             name: str = "madoguchi", oauth_redirect_url: str | None = None) -> dict[str, Any]:
    """`oauth_redirect_url`: installed by many workspaces (OAuth mode): Slack sends each install's code there,
    and the app hears its uninstalls."""
    url = None if socket_mode else (request_url or PLACEHOLDER_URL)
    command: dict[str, Any] = {
        "command": "/helpdesk",
        "description": "窓口: 質問・申請・承認 / ask, request, approve",
        "usage_hint": "[質問 | help | delegate]",
        "should_escape": False,
    }
    interactivity: dict[str, Any] = {"is_enabled": True}
    events: dict[str, Any] = {"bot_events": sorted(BOT_EVENTS + (INSTALL_EVENTS if oauth_redirect_url else []))}
    oauth: dict[str, Any] = {"scopes": {"bot": list(BOT_SCOPES)}}
    if oauth_redirect_url:
        oauth["redirect_urls"] = [oauth_redirect_url]
    if url:
        command["url"] = url
        interactivity["request_url"] = url
        events["request_url"] = url
    return {
        "display_information": {
            "name": name,
            "description": "バックオフィスの総合窓口 — questions, requests and approvals in one place",
            "background_color": "#1d3557",
        },
        "features": {
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": True,
                         "messages_tab_read_only_enabled": False},
            "bot_user": {"display_name": name, "always_online": True},
            # Bolt's Assistant (handlers/assistant.py): a new thread with the app gets its suggested prompts.
            "assistant_view": {
                "assistant_description": "社内のよくある質問に答え、申請の受付と状況確認をします / answers the "
                                         "company's FAQ, takes requests and tells you where yours stand",
                "suggested_prompts": [],
            },
            "slash_commands": [command],
            "shortcuts": [
                {"name": "申請する", "type": "global", "callback_id": "new_request",
                 "description": "経費・休暇・アカウントなどの申請 / make a request"},
                {"name": "この内容で問い合わせる", "type": "message", "callback_id": "inquiry_from_message",
                 "description": "このメッセージから問い合わせを作成 / open an inquiry from this message"},
            ],
        },
        # Workflow Builder's custom step 「madoguchi で承認」 (bot/workflow_steps): steps run on this app's own
        # server ("remote"), and Slack lists an app's steps in Workflow Builder only when the app is org-ready.
        "functions": manifest_function(),
        "oauth_config": oauth,
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": True,
            "function_runtime": "remote",
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def manifest_yaml(config: WorkspaceConfig, **kwargs: Any) -> str:
    return yaml.safe_dump(manifest(config, **kwargs), allow_unicode=True, sort_keys=False)
