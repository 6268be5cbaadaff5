"""App Home: publish the person's view when they open it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot import home
from bot.services import Services


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], context: BoltContext) -> None:
        if event.get("tab", "home") == "home":
            home.opened(context["db"], services, event["user"])

