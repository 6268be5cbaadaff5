"""Global Bolt middleware: runs on requests bot/gate.py has verified (signature on the raw bytes), puts the user's
locale in the context and hands listeners the shared keep-alive Web API client. The database
session is opened and committed around the whole dispatch, where Events API retries are also
de-duplicated (bot/app.py)."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.services import Services


class PersonAndClient(Middleware):
    """A `Middleware` subclass (Bolt's own built-ins are written the same way) rather than a function under
    `@app.middleware`: Bolt calls `process` directly, while a function middleware first has its ~25 injectable
    arguments built on every request, though this one needs only the context."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def process(self, *, req: BoltRequest, resp: BoltResponse,
                next: Callable[[], BoltResponse]) -> BoltResponse | None:
        context = req.context
        context["locale"] = self._services.locales.locale(context.user_id)
        # Bolt gives each request a fresh urllib WebClient: a new connection (and TLS handshake) for
        # the views.open Slack is waiting on. The shared client keeps connections open per thread; its
        # token never changes (one workspace), so sharing it is safe.
        context["client"] = self._services.client
        return next()


def register(app: App, services: Services) -> None:
    app.use(PersonAndClient(services))
