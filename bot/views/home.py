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
        actions(button(t(locale, "home.new_request"), Action.HOME_NEW_REQUEST, style="primary")),
    ]
    blocks.extend(sections or [])
    return {"type": "home", "blocks": blocks[:BLOCKS_MAX]}
