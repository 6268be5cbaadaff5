"""Global Bolt middleware: runs on requests bot/gate.py has verified (signature on the raw bytes), puts the user's
locale in the context and hands listeners the shared keep-alive Web API client. The database
session is opened and committed around the whole dispatch, where Events API retries are also
de-duplicated (bot/app.py)."""

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
        # Bolt gives each request a fresh urllib WebClient: a new connection (and TLS handshake) for
        # the views.open Slack is waiting on. The shared client keeps connections open per thread; its
        # token never changes (one workspace), so sharing it is safe.
        context["client"] = services.client
        next()
        return None
