"""chat.* and reactions.add: the messages the bot writes (reading them back: api_history)."""

from __future__ import annotations

import copy
from typing import Any

from bot.fakeslack.ids import API_APP_ID, BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID
from bot.fakeslack.state import ApiError, FakeWorkspace
from bot.fakeslack.viewshape import MAX_BLOCKS, table_problems

MAX_TEXT = 40_000
_CONTENT_FIELDS = ("text", "blocks", "attachments", "metadata")


def _channel(ws: FakeWorkspace, p: dict[str, Any]) -> str:
    channel = p.get("channel")
    if not channel:
        raise ApiError("channel_not_found")
    return ws.resolve_channel(str(channel))


def _check_content(p: dict[str, Any]) -> None:
    blocks = p.get("blocks")
    if not p.get("text") and not blocks and not p.get("attachments"):
        raise ApiError("no_text")
    if blocks is not None and (not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS["message"]):
        raise ApiError("invalid_blocks", [f"[ERROR] no more than {MAX_BLOCKS['message']} items allowed"])
    if blocks and (problems := table_problems(blocks, "/blocks")):
        raise ApiError("invalid_blocks", problems)


def bot_message(ws: FakeWorkspace, p: dict[str, Any], ts: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": API_APP_ID,
        "team": TEAM_ID,
        "ts": ts,
        "text": str(p.get("text") or "")[:MAX_TEXT],
    }
    for key in ("blocks", "attachments", "metadata"):
        if p.get(key) is not None:
            message[key] = copy.deepcopy(p[key])
    if p.get("thread_ts"):
        message["thread_ts"] = str(p["thread_ts"])
    return message


def post_message(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    channel = _channel(ws, p)
    _check_content(p)
    message = ws.add_message(channel, bot_message(ws, p, ws.ts.next()))
    statuses = ws.assistant_status.get((channel, str(p.get("thread_ts"))))
    if statuses and statuses[-1]:
        statuses.append("")  # the app's reply in the thread clears its status, as in Slack
    return {"ok": True, "channel": channel, "ts": message["ts"], "message": copy.deepcopy(message)}


def update(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    channel = _channel(ws, p)
    message = ws.find_message(channel, str(p.get("ts", "")))
    if message is None:
        raise ApiError("message_not_found")
    if message.get("bot_id") != BOT_ID:
        raise ApiError("cant_update_message")
    for key in _CONTENT_FIELDS:
        if key in p:
            message[key] = copy.deepcopy(p[key])
    message["edited"] = {"user": BOT_USER_ID, "ts": ws.ts.next()}
    return {
        "ok": True,
        "channel": channel,
        "ts": message["ts"],
        "text": message.get("text", ""),
        "message": copy.deepcopy(message),
    }


def delete(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    channel = _channel(ws, p)
    message = ws.find_message(channel, str(p.get("ts", "")))
    if message is None:
        raise ApiError("message_not_found")
    if message.get("bot_id") != BOT_ID:
        raise ApiError("cant_delete_message")
    ws.messages[channel].remove(message)
    return {"ok": True, "channel": channel, "ts": message["ts"]}


def post_ephemeral(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    channel = _channel(ws, p)
    user = p.get("user")
    if not user:
        raise ApiError("user_not_found")
    _check_content(p)
    message = bot_message(ws, p, ws.ts.next())
    message["channel"] = channel
    ws.ephemerals.setdefault(str(user), []).append(message)
    return {"ok": True, "message_ts": message["ts"]}


def get_permalink(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    # Lenient on purpose: the app may ask for links to user messages that a test never registered.
    channel = _channel(ws, p)
    ts = str(p.get("message_ts", ""))
    if not ts:
        raise ApiError("message_not_found")
    permalink = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
    message = ws.find_message(channel, ts)
    if message is not None and message.get("thread_ts") and message["thread_ts"] != ts:
        permalink += f"?thread_ts={message['thread_ts']}&cid={channel}"
    return {"ok": True, "channel": channel, "permalink": permalink}


def add_reaction(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    channel = _channel(ws, p)
    name = str(p.get("name") or "")
    if not name:
        raise ApiError("invalid_name")
    message = ws.find_message(channel, str(p.get("timestamp", "")))
    if message is None:
        raise ApiError("message_not_found")
    reactions = message.setdefault("reactions", [])
    reaction = next((r for r in reactions if r["name"] == name), None)
    if reaction is None:
        reaction = {"name": name, "users": [], "count": 0}
        reactions.append(reaction)
    if BOT_USER_ID in reaction["users"]:
        raise ApiError("already_reacted")
    reaction["users"].append(BOT_USER_ID)
    reaction["count"] += 1
    return {"ok": True}
