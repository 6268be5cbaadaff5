"""The bot's DM as Slack's agent container (Bolt's Assistant): a new thread gets its suggested prompts. The
person's messages in the thread are not taken here: with no `user_message` listener, the Assistant passes
them on, and the DM listener (handlers/events.py) answers them as any DM — in their thread, with a status."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, Assistant, BoltContext

from bot.assistant import replies
from bot.services import Services


def register(app: App, services: Services) -> None:
    assistant = Assistant()

    @assistant.thread_started
    def thread_started(payload: dict[str, Any], context: BoltContext) -> None:
        thread = payload["assistant_thread"]
        # The person is in the thread, not the event's `user` field: their language is looked up here.
        locale = services.locales.locale(thread["user_id"])
        replies.offer_prompts(context["db"], services, user=thread["user_id"], locale=locale,
                              channel=thread["channel_id"], thread_ts=thread["thread_ts"])

    @assistant.thread_context_changed
    def context_changed() -> None:
        """The channel the person is looking at changed: nothing here depends on it. (Bolt's default would
        store it in the thread's first message, two Web API calls inside the request.)"""

    app.assistant(assistant)
