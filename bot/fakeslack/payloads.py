"""Builders for the exact requests Slack sends to an app, unsigned.

Wire formats (slack-payloads/README.md): slash commands are plain form fields; interactivity
(block_actions, view_submission, view_closed, shortcut, message_action) is a form with a single
`payload=<url-encoded JSON>` field; Events API deliveries are JSON. Envelopes follow the captures from
Slack's own SDK fixtures. Every builder is pure apart from defaulted ids and times, and returns a
SlackRequest that SlackRequester signs and sends (or prepares for reuse, e.g. by a benchmark).
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from bot.fakeslack.ids import (
    API_APP_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    VERIFICATION_TOKEN,
    new_event_id,
    new_trigger_id,
    random_suffix,
    view_hash,
)
from bot.fakeslack.state_values import option
from bot.fakeslack.viewshape import complete_view

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@dataclass(frozen=True)
class SlackRequest:
    """An unsigned request body as Slack would POST it; `payload` is the decoded object, for reading."""

    body: bytes
    content_type: str
    payload: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def _form(fields: dict[str, Any]) -> SlackRequest:
    return SlackRequest(urlencode(fields).encode("utf-8"), FORM, fields)


def _interactive(payload: dict[str, Any]) -> SlackRequest:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return SlackRequest(urlencode({"payload": text}).encode("utf-8"), FORM, payload)


def _json(payload: dict[str, Any], headers: dict[str, str] | None = None) -> SlackRequest:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return SlackRequest(body, JSON, payload, headers or {})


def _team(team_id: str) -> dict[str, Any]:
    return {"id": team_id, "domain": TEAM_DOMAIN}


def _user(user_id: str, team_id: str) -> dict[str, Any]:
    name = user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _action_ts() -> str:
    return f"{time.time():.6f}"


def default_response_url(kind: str = "actions", team_id: str = TEAM_ID) -> str:
    return f"https://hooks.slack.com/{kind}/{team_id}/{random_suffix(12)}/{random_suffix(24)}"


# -- slash commands -------------------------------------------------------------------------------
def command(
    *,
    user_id: str,
    text: str = "",
    command: str = "/helpdesk",
    channel_id: str = "C0HELPDESK",
    channel_name: str = "helpdesk",
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    response_url: str | None = None,
    api_app_id: str = API_APP_ID,
    enterprise_id: str | None = None,
    is_enterprise_install: bool = False,
) -> SlackRequest:
    """A slash command, fields in the order Slack sends them (`enterprise_id` only inside Enterprise Grid)."""
    grid = {"enterprise_id": enterprise_id, "enterprise_name": enterprise_id} if enterprise_id else {}
    return _form(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id,
            "team_domain": TEAM_DOMAIN,
            **grid,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": api_app_id,
            "is_enterprise_install": "true" if is_enterprise_install else "false",
            "response_url": response_url or default_response_url("commands", team_id),
            "trigger_id": trigger_id or new_trigger_id(),
        }
    )


# -- Events API -----------------------------------------------------------------------------------
def event(
    event: dict[str, Any],
    *,
    event_id: str | None = None,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
    event_time: int | None = None,
    bot_user_id: str = BOT_USER_ID,
    enterprise_id: str | None = None,
    is_enterprise_install: bool = False,
) -> SlackRequest:
    """An event_callback envelope. A retry repeats `event_id` and adds X-Slack-Retry-Num/-Reason."""
    envelope = {
        "token": VERIFICATION_TOKEN,
        **({"enterprise_id": enterprise_id} if enterprise_id else {}),
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": copy.deepcopy(event),
        "type": "event_callback",
        "event_id": event_id or new_event_id(),
        "event_time": event_time if event_time is not None else int(time.time()),
        "authorizations": [
            {
                "enterprise_id": enterprise_id,
                "team_id": None if is_enterprise_install else team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": is_enterprise_install,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + random_suffix(40),
    }
    headers = {}
    if retry_num is not None:
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
    return _json(envelope, headers)


def url_verification(challenge: str | None = None) -> SlackRequest:
    return _json(
        {"token": VERIFICATION_TOKEN, "challenge": challenge or random_suffix(48), "type": "url_verification"}
    )


# -- interactivity --------------------------------------------------------------------------------
def block_action(
    *,
    user_id: str,
    action_id: str,
    value: str | None = None,
    block_id: str = "actions",
    action_type: str = "button",
    text: str | None = None,
    selected_option: str | dict[str, Any] | None = None,
    action_extra: dict[str, Any] | None = None,
    channel_id: str | None = None,
    message: dict[str, Any] | None = None,
    message_ts: str | None = None,
    view: dict[str, Any] | None = None,
    container: dict[str, Any] | None = None,
    trigger_id: str | None = None,
    response_url: str | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
) -> SlackRequest:
    """A click in a message (`channel_id` + `message`, or `message_ts` alone for an ephemeral one),
    in a modal or the Home tab (`view`). `selected_option` makes it a select; `action_extra` adds
    element-specific keys (selected_date, selected_user …)."""
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "type": action_type,
        "action_ts": _action_ts(),
    }
    if action_type == "button":
        action["text"] = {"type": "plain_text", "text": text or value or action_id, "emoji": True}
    if value is not None:
        action["value"] = value
    if selected_option is not None:
        action["selected_option"] = option(selected_option)
    action.update(action_extra or {})
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "container": container,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
    }
    if view is not None:
        payload["container"] = container or {"type": "view", "view_id": view.get("id")}
        payload["view"] = {**copy.deepcopy(view), "team_id": team_id, "app_installed_team_id": team_id}
        payload["state"] = copy.deepcopy(view.get("state") or {"values": {}})
    elif channel_id is not None:
        ts = message["ts"] if message else message_ts
        payload["container"] = container or {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel_id,
            "is_ephemeral": message is None,
        }
        payload["channel"] = {"id": channel_id, "name": channel_id.lower()}
        if message is not None:
            payload["message"] = copy.deepcopy(message)
        payload["state"] = {"values": {}}
        payload["response_url"] = response_url or default_response_url("actions", team_id)
    payload["actions"] = [action]
    return _interactive(payload)


def view_submission(
    *,
    user_id: str,
    view: dict[str, Any],
    values: dict[str, dict[str, dict[str, Any]]] | None = None,
    trigger_id: str | None = None,
    response_urls: list[dict[str, Any]] | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
) -> SlackRequest:
    """Submit `view` (e.g. the one the fake recorded from views.open) with `values` as its state:
    {block_id: {action_id: state_value(...)}}."""
    full = _full_view(view, team_id)
    if values is not None:
        full["state"] = {"values": copy.deepcopy(values)}
    return _interactive(
        {
            "type": "view_submission",
            "team": _team(team_id),
            "user": _user(user_id, team_id),
            "api_app_id": api_app_id,
            "token": VERIFICATION_TOKEN,
            "trigger_id": trigger_id or new_trigger_id(),
            "view": full,
            "response_urls": response_urls or [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
    )


def view_closed(
    *,
    user_id: str,
    view: dict[str, Any],
    is_cleared: bool = False,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
) -> SlackRequest:
    """Sent only for views opened with notify_on_close: true."""
    return _interactive(
        {
            "type": "view_closed",
            "team": _team(team_id),
            "user": _user(user_id, team_id),
            "api_app_id": api_app_id,
            "token": VERIFICATION_TOKEN,
            "view": _full_view(view, team_id),
            "response_urls": [],
            "is_cleared": is_cleared,
            "is_enterprise_install": False,
            "enterprise": None,
        }
    )


def global_shortcut(
    *,
    callback_id: str,
    user_id: str,
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
) -> SlackRequest:
    """A global shortcut: no channel and no response_url."""
    return _interactive(
        {
            "type": "shortcut",
            "token": VERIFICATION_TOKEN,
            "action_ts": _action_ts(),
            "team": _team(team_id),
            "user": {"id": user_id, "username": user_id.lower(), "team_id": team_id},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": trigger_id or new_trigger_id(),
        }
    )


def message_shortcut(
    *,
    callback_id: str,
    user_id: str,
    channel_id: str,
    message: dict[str, Any],
    trigger_id: str | None = None,
    response_url: str | None = None,
    team_id: str = TEAM_ID,
) -> SlackRequest:
    """A message shortcut ("…" menu on a message): carries the channel, the message and a response_url."""
    return _interactive(
        {
            "type": "message_action",
            "token": VERIFICATION_TOKEN,
            "action_ts": _action_ts(),
            "team": _team(team_id),
            "user": {"id": user_id, "name": user_id.lower()},
            "channel": {"id": channel_id, "name": channel_id.lower()},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": trigger_id or new_trigger_id(),
            "message_ts": message["ts"],
            "message": copy.deepcopy(message),
            "response_url": response_url or default_response_url("app", team_id),
        }
    )


def _full_view(view: dict[str, Any], team_id: str) -> dict[str, Any]:
    view_id = view.get("id") or "V" + random_suffix(10)
    return complete_view(
        view,
        view_id=view_id,
        view_hash=view.get("hash") or view_hash(),
        root_view_id=view.get("root_view_id"),
        previous_view_id=view.get("previous_view_id"),
        team_id=team_id,
    )
