"""App Home: the person's own front desk. Sections are added as features land."""

from __future__ import annotations

from typing import Any

from bot.i18n import t
from bot.slack_ids import Action
from bot.views.blocks import BLOCKS_MAX, Block, actions, button, context, header, section


def home_view(locale: str, name: str, sections: list[Block] | None = None) -> dict[str, Any]:
    blocks: list[Block] = [
        header(t(locale, "home.title")),
        section(t(locale, "home.welcome", name=name)),
        context(t(locale, "home.hint")),
        new_request_button(locale),
    ]
    blocks.extend(sections or [])
    return {"type": "home", "blocks": blocks[:BLOCKS_MAX]}


def new_request_button(locale: str) -> Block:
    """申請する: opens the request type picker (handlers/intake.py), from Home or from a message."""
    return actions(button(t(locale, "home.new_request"), Action.HOME_NEW_REQUEST, style="primary"))
