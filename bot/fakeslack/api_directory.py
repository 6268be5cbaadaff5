"""auth.test, users.* and conversations.open/info: who is who in the fake workspace."""

from __future__ import annotations

from typing import Any

from bot.fakeslack.ids import BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, TEAM_NAME
from bot.fakeslack.state import ApiError, FakeWorkspace
from bot.fakeslack.wire import truthy


def auth_test(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    return {
        "ok": True,
        "url": f"https://{TEAM_DOMAIN}.slack.com/",
        "team": TEAM_NAME,
        "user": "madoguchi",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


def auth_test_installed(installed: dict[str, Any]) -> dict[str, Any]:
    """auth.test for a token issued by oauth.v2.access: that installation's team and bot."""
    return {"ok": True, "url": f"https://{(installed['team_id'] or installed['enterprise_id']).lower()}.slack.com/",
            "team": installed["team"], "user": "madoguchi", "team_id": installed["team_id"],
            "user_id": installed["user_id"], "bot_id": installed["bot_id"],
            "enterprise_id": installed["enterprise_id"], "is_enterprise_install": installed["is_enterprise_install"]}


def users_info(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    user = ws.users.get(str(p.get("user") or ""))
    if user is None:
        raise ApiError("user_not_found")
    return {"ok": True, "user": user.to_slack(include_locale=truthy(p.get("include_locale")))}


def users_lookup_by_email(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    email = str(p.get("email") or "").lower()
    user = next((u for u in ws.users.values() if u.email and u.email.lower() == email), None)
    if user is None:
        raise ApiError("users_not_found")
    return {"ok": True, "user": user.to_slack(include_locale=False)}


def conversations_open(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    if p.get("channel"):
        channel_id = str(p["channel"])
        if channel_id not in ws.channels:
            raise ApiError("channel_not_found")
    else:
        users = [u for u in str(p.get("users") or "").split(",") if u]
        if len(users) != 1:
            # Group DMs are out of scope for the bot; say so rather than invent an id.
            raise ApiError("not_enough_users" if not users else "too_many_users")
        if users[0] not in ws.users:
            raise ApiError("user_not_found")
        existed = "D" + users[0][1:] in ws.channels
        channel_id = ws.dm_channel(users[0])
        if existed:
            body = {"ok": True, "no_op": True, "already_open": True}
            return body | {"channel": _channel_answer(ws, channel_id, p)}
    return {"ok": True, "channel": _channel_answer(ws, channel_id, p)}


def _channel_answer(ws: FakeWorkspace, channel_id: str, p: dict[str, Any]) -> dict[str, Any]:
    return ws.channels[channel_id].to_slack() if truthy(p.get("return_im")) else {"id": channel_id}


def conversations_info(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    channel = ws.channels.get(str(p.get("channel") or ""))
    if channel is None:
        raise ApiError("channel_not_found")
    return {"ok": True, "channel": channel.to_slack()}


def connections_open_socket(ws: FakeWorkspace, params: dict[str, Any]) -> dict[str, Any]:
    """apps.connections.open: the WebSocket URL of the Socket Mode stand-in, when one is attached."""
    if not ws.socket_mode_url:
        return {"ok": False, "error": "socket_mode_not_enabled"}
    return {"ok": True, "url": ws.socket_mode_url}
