"""App Home: publish the person's view when they open it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot import home, outbox
from bot.services import Services


def register(app: App, services: Services) -> None:
    services.dispatcher.register_renderer(outbox.HOME_REFRESH, home.renderer(services))

    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], context: BoltContext) -> None:
        if event.get("tab", "home") == "home":
            outbox.refresh_home(context["db"], event["user"])
