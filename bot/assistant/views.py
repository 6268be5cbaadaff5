"""The bot's DM answers to its two suggested phrases (pure Block Kit)."""

from __future__ import annotations

from bot.i18n import t
from bot.views.blocks import Block, section
from bot.views.home import new_request_button


def request_offer(locale: str) -> tuple[str, list[Block]]:
    text = str(t(locale, "assistant.request.text"))
    return text, [section(text), new_request_button(locale)]


def my_requests(locale: str, rows: list[Block]) -> tuple[str, list[Block]]:
    """`rows`: the App Home's list of the person's open requests (bot/tickets/home.py), without its heading."""
    if not rows:
        text = str(t(locale, "assistant.status.none"))
        return text, [section(text)]
    text = str(t(locale, "assistant.status.text"))
    return text, [section(text), *rows]
