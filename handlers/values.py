"""What Slack echoes back to us in a button's `value`, read in one place (a modal's `private_metadata`
is read by its model, bot/views/metadata.py). It carries pointers only (ids, versions); anything that
is not one (stale, hand-made or tampered: letters, full-width digits, signs, numbers no database
column holds) is a refused click, `BadValue`, answered politely by the one error handler."""

from __future__ import annotations

from typing import Any

from bot.errors import BadValue
from bot.views.metadata import as_record_id


def record_id(raw: Any) -> int:
    """A positive id, written in ASCII digits, that fits an integer column."""
    try:
        return as_record_id(raw)
    except ValueError as exc:
        raise BadValue(str(exc)) from exc


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
