"""App Home: publish the person's view when they open it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot import outbox
from bot.services import Services


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], context: BoltContext) -> None:
        if event.get("tab", "home") != "home":
            return
        # Opening Home is frequent and its refresh coalesces: look for a queued one without taking
        # the write lock, so a burst of opens costs one write, not one each.
        with services.read_sessions() as reader:
            if outbox.home_refresh_pending(reader, event["user"]):
                return
        outbox.refresh_home(context["db"], event["user"])
