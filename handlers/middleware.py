"""Global Bolt middleware: runs after Bolt has verified the request signature, and puts the user's
locale in the context. The database session is opened and committed around the whole dispatch,
where Events API retries are also de-duplicated (bot/app.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse

from bot.services import Services

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    @app.middleware
    def locale_and_dedupe(
        context: BoltContext, body: dict[str, Any], next: Callable[[], None]
    ) -> BoltResponse | None:
        context["locale"] = services.locales.locale(context.user_id)
        next()
        return None
