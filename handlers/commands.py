"""`/helpdesk` — one command, several verbs. Unknown text is treated as a question."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.services import Services
from bot.slack_ids import Command
from bot.views.help import help_blocks, help_text
from handlers import approvals, faq, intake

HELP_WORDS = {"help", "ヘルプ", "使い方", "?", "？"}

# A listener for a verb is called as listener(ack=, command=, context=, client=, services=, text=).
Verb = Callable[..., Any]

# Every verb of /helpdesk, and who answers a command without one: the only place they are wired.
VERBS: dict[str, Verb] = {word: approvals.delegate_command for word in approvals.DELEGATE_WORDS}
ON_EMPTY: Verb = intake.helpdesk_without_text  # `/helpdesk` alone: the request type picker
ON_QUESTION: Verb = faq.answer_command  # `/helpdesk <anything else>`: a question for the FAQ


def register(app: App, services: Services) -> None:
    @app.command(Command.HELPDESK)
    def helpdesk(ack: Ack, command: dict[str, Any], context: BoltContext, client: Any) -> None:
        text = (command.get("text") or "").strip()
        word = text.split(maxsplit=1)[0].lower() if text else ""
        locale = context["locale"]
        if word in HELP_WORDS:
            ack(response_type="ephemeral", text=help_text(locale), blocks=help_blocks(locale, services.config))
            return
        handler = VERBS.get(word) or (ON_QUESTION if text else ON_EMPTY)
        handler(ack=ack, command=command, context=context, client=client, services=services, text=text)
