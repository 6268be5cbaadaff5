"""Messages to the bot (DMs) and mentions. Each of ANSWERERS answers them (today only the FAQ);
bot messages and edits are ignored so the bot never talks to itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext

from bot.services import Services
from handlers import faq

# Called in turn as answer(event=, context=, services=, mention=) for every DM and @mention.
ANSWERERS: list[Callable[..., None]] = [faq.answer_message]


def is_from_a_person(event: dict[str, Any]) -> bool:
    return not event.get("bot_id") and not event.get("subtype") and bool(event.get("user"))


def register(app: App, services: Services) -> None:
    @app.event("message")
    def direct_message(event: dict[str, Any], context: BoltContext) -> None:
        if event.get("channel_type") != "im" or not is_from_a_person(event):
            return  # channel chatter is not addressed to us; mentions arrive as app_mention
        for answer in ANSWERERS:
            answer(event=event, context=context, services=services, mention=False)

    @app.event("app_mention")
    def mention(event: dict[str, Any], context: BoltContext) -> None:
        if not is_from_a_person(event):
            return
        for answer in ANSWERERS:
            answer(event=event, context=context, services=services, mention=True)
