"""Inner `event` objects for payloads.event(), shaped like the captures in slack-payloads/.

For a message the bot may later read back (conversations.replies), prefer FakeSlackServer.user_says(),
which also stores it in the fake workspace.
"""

from __future__ import annotations

import time
from typing import Any

from bot.fakeslack.ids import BOT_USER_ID, TEAM_ID


def _ts() -> str:
    return f"{time.time():.6f}"


def _channel_type(channel: str) -> str:
    return {"D": "im", "G": "group"}.get(channel[:1], "channel")


def message(
    *, user: str, channel: str, text: str, ts: str | None = None, thread_ts: str | None = None
) -> dict[str, Any]:
    """A human's message; channel_type follows the id (D… im, G… group, else channel)."""
    ts = ts or _ts()
    body: dict[str, Any] = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "team": TEAM_ID,
        "channel": channel,
        "event_ts": ts,
        "channel_type": _channel_type(channel),
    }
    if thread_ts:
        body["thread_ts"] = thread_ts
    return body


def app_mention(
    *,
    user: str,
    channel: str,
    text: str,
    ts: str | None = None,
    thread_ts: str | None = None,
    bot_user_id: str = BOT_USER_ID,
) -> dict[str, Any]:
    """`@madoguchi …`; the mention markup `<@U…>` is prepended as Slack does."""
    ts = ts or _ts()
    body: dict[str, Any] = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{bot_user_id}> {text}",
        "ts": ts,
        "team": TEAM_ID,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts:
        body["thread_ts"] = thread_ts
    return body


def app_home_opened(*, user: str, tab: str = "home", view: dict[str, Any] | None = None) -> dict[str, Any]:
    """`view` is present only when a Home view was published before (pass FakeSlackServer.home_view(user))."""
    body: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D" + user[1:],
        "tab": tab,
        "event_ts": _ts(),
    }
    if view is not None:
        body["view"] = view
    return body


def reaction_added(
    *, user: str, reaction: str, channel: str, item_ts: str, item_user: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "reaction_added",
        "user": user,
        "reaction": reaction,
        "item": {"type": "message", "channel": channel, "ts": item_ts},
        "event_ts": _ts(),
    }
    if item_user:
        body["item_user"] = item_user
    return body
