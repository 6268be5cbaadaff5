"""conversations.history and conversations.replies: reading a channel back, as Slack pages it.

Newest first, `oldest`/`latest` exclusive unless `inclusive`, `limit` (default 100, at most 999),
cursor pagination through `response_metadata.next_cursor` (base64 of "next_ts:<ts>", like Slack's),
thread replies left out of the history (they live in conversations.replies). A message's `metadata`
comes back only with `include_all_metadata`, which is what the outbox relies on to find a post whose
answer was lost.
"""

from __future__ import annotations

import base64
import binascii
import copy
from typing import Any

from bot.fakeslack.state import ApiError, FakeWorkspace
from bot.fakeslack.wire import truthy

DEFAULT_LIMIT = 100
MAX_LIMIT = 999


def history(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    channel = _known_channel(ws, p)
    top_level = [m for m in ws.messages.get(channel, [])
                 if not m.get("thread_ts") or m["thread_ts"] == m["ts"] or m.get("subtype") == "thread_broadcast"]
    return _page(top_level, p)


def replies(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    channel = _known_channel(ws, p)
    ts = str(p.get("ts", ""))
    thread = [m for m in ws.messages.get(channel, []) if m["ts"] == ts or m.get("thread_ts") == ts]
    if not thread:
        raise ApiError("thread_not_found")
    # Slack always answers with the parent first, then the replies oldest first, within the bounds.
    parent, rest = thread[0], thread[1:]
    page = _page(list(reversed(rest)), p, newest_first=False)
    page["messages"] = [_shown(parent, p), *page["messages"]] if "cursor" not in p else page["messages"]
    return page


def _known_channel(ws: FakeWorkspace, p: dict[str, Any]) -> str:
    channel = str(p.get("channel") or "")
    # A user id is not a conversation: the DM's D… id comes from conversations.open.
    if not channel or channel[:1] in ("U", "W") or (channel[:1] == "D" and channel not in ws.channels):
        raise ApiError("channel_not_found")
    return ws.resolve_channel(channel)  # tests name channels freely, as for chat.postMessage


def _page(messages: list[dict[str, Any]], p: dict[str, Any], *, newest_first: bool = True) -> dict[str, Any]:
    inclusive = truthy(p.get("inclusive"))
    oldest = _ts(p.get("oldest"), 0.0)
    latest = _ts(p.get("latest"), float("inf"))
    try:
        limit = int(p.get("limit") or DEFAULT_LIMIT)
    except ValueError as exc:
        raise ApiError("invalid_limit") from exc
    limit = max(1, min(limit, MAX_LIMIT))

    def within(m: dict[str, Any]) -> bool:
        t = float(m["ts"])
        if inclusive:
            return oldest <= t <= latest
        return oldest < t < latest

    chosen = sorted((m for m in messages if within(m)), key=lambda m: float(m["ts"]), reverse=newest_first)
    cursor = p.get("cursor")
    if cursor:
        start = _decode_cursor(str(cursor))
        chosen = [m for m in chosen if (float(m["ts"]) <= start if newest_first else float(m["ts"]) >= start)]
    page, rest = chosen[:limit], chosen[limit:]
    next_cursor = _encode_cursor(rest[0]["ts"]) if rest else ""
    return {
        "ok": True,
        "messages": [_shown(m, p) for m in page],
        "has_more": bool(rest),
        "pin_count": 0,
        "response_metadata": {"next_cursor": next_cursor},
    }


def _shown(message: dict[str, Any], p: dict[str, Any]) -> dict[str, Any]:
    shown = copy.deepcopy(message)
    if not truthy(p.get("include_all_metadata")):
        shown.pop("metadata", None)
    return shown


def _ts(value: Any, default: float) -> float:
    if value in (None, ""):
        return default
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise ApiError("invalid_ts_oldest" if default == 0.0 else "invalid_ts_latest") from exc


def _encode_cursor(ts: str) -> str:
    return base64.b64encode(f"next_ts:{ts}".encode()).decode("ascii")


def _decode_cursor(cursor: str) -> float:
    try:
        text = base64.b64decode(cursor.encode("ascii"), validate=True).decode()
        return float(text.removeprefix("next_ts:"))
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise ApiError("invalid_cursor") from exc
