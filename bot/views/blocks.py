"""Tiny constructors for Block Kit elements, enforcing Slack's length limits at the source."""

from __future__ import annotations

from typing import Any

from bot.i18n.mrkdwn import literal

Block = dict[str, Any]


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = 3000) -> dict[str, Any]:
    """Slack shows plain_text as typed: mrkdwn from `t()` is turned back into its literal characters."""
    return {"type": "plain_text", "text": clip(literal(text), limit), "emoji": True}


def mrkdwn(text: str, limit: int = 3000) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, limit)}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, 150)}


def section(text: str, **extra: Any) -> Block:
    return {"type": "section", "text": mrkdwn(text), **extra}


def fields(*pairs: tuple[str, str]) -> Block:
    return {"type": "section", "fields": [mrkdwn(f"*{k}*\n{v}", 2000) for k, v in pairs[:10]]}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t_, 2000) for t_ in texts[:10]]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str = "", style: str | None = None, **extra: Any) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(text, 75), "action_id": action_id}
    if value:
        element["value"] = clip(value, 2000)
    if style:
        element["style"] = style
    element.update(extra)
    return element


def actions(*elements: dict[str, Any], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements[:25])}
    if block_id:
        block["block_id"] = block_id
    return block
