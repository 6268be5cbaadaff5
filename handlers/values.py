"""What Slack echoes back to us — a button's `value`, a modal's `private_metadata` — read in one
place. They carry pointers only (ids, versions); anything that is not one (stale, hand-made or
tampered: letters, full-width digits, signs, numbers no database column holds) is a refused
click, `BadValue`, answered politely by the one error handler."""

from __future__ import annotations

import json
from typing import Any

from bot.errors import BadValue

MAX_ID = 2**31 - 1  # the largest integer primary key both databases store


def record_id(raw: Any) -> int:
    """A positive id, written in ASCII digits, that fits an integer column."""
    text = str(raw) if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 10 or not 0 < int(text) <= MAX_ID:
        raise BadValue(f"not an id: {str(raw)[:40]!r}")
    return int(text)


def clicked(body: dict[str, Any]) -> str:
    """The clicked element's value, as text ("" when it has none)."""
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value") or "")


def clicked_id(body: dict[str, Any]) -> int:
    """A button whose value is an id (a ticket, a delegation, a FAQ query), optionally followed by
    `:more` that the listener reads itself."""
    return record_id(clicked(body).split(":", 1)[0])


def clicked_pointer(body: dict[str, Any]) -> tuple[int, int]:
    """A button whose value is `step id:version`."""
    return pointer(clicked(body))


def pointer(raw: str) -> tuple[int, int]:
    first, sep, second = (raw or "").partition(":")
    if not sep:
        raise BadValue(f"not a pointer: {raw[:40]!r}")
    return record_id(first), record_id(second)


def metadata(view: dict[str, Any], *ids: str) -> dict[str, Any]:
    """A modal's private_metadata as the JSON object we wrote, with `ids` checked to be ids."""
    try:
        found = json.loads((view or {}).get("private_metadata") or "")
    except ValueError as exc:
        raise BadValue("private_metadata is not JSON") from exc
    if not isinstance(found, dict):
        raise BadValue("private_metadata is not an object")
    for key in ids:
        found[key] = record_id(found.get(key))
    return found
