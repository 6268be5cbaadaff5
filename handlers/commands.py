"""`/helpdesk` — one command, several verbs. Unknown text is treated as a question."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.services import Services
from bot.views.help import help_blocks, help_text
from handlers.ids import Command

HELP_WORDS = {"help", "ヘルプ", "使い方", "?", "？"}

# verb → listener(ack, command, context, client, services); features register theirs here.
Verb = Callable[..., Any]
VERBS: dict[str, Verb] = {}
FALLBACK: dict[str, Verb] = {}


def verb(*names: str) -> Callable[[Verb], Verb]:
    def register(func: Verb) -> Verb:
        for name in names:
            VERBS[name] = func
        return func

    return register


def on_empty(func: Verb) -> Verb:
    FALLBACK["empty"] = func
    return func


def on_question(func: Verb) -> Verb:
    FALLBACK["question"] = func
    return func


def register(app: App, services: Services) -> None:
    @app.command(Command.HELPDESK)
    def helpdesk(ack: Ack, command: dict[str, Any], context: BoltContext, client: Any) -> None:
        text = (command.get("text") or "").strip()
        word = text.split(maxsplit=1)[0].lower() if text else ""
        locale = context["locale"]
        if word in HELP_WORDS:
            ack(response_type="ephemeral", text=help_text(locale), blocks=help_blocks(locale, services.config))
            return
        handler = VERBS.get(word) or FALLBACK.get("empty" if not text else "question")
        if handler is None:
            ack(response_type="ephemeral", text=help_text(locale), blocks=help_blocks(locale, services.config))
            return
        handler(ack=ack, command=command, context=context, client=client, services=services, text=text)
