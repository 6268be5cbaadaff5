"""Composition: `build_app(settings, ...)` wires every handler onto one Bolt App.

The App runs listeners before answering Slack (process_before_response), inside one database
transaction per request: the ack leaves only after the state change and its outbox messages are
committed, so an acknowledged click is never lost."""

from __future__ import annotations

import contextlib
import logging

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.oauth.installation_store import InstallationStore

from bot import events, gate, outbox
from bot.composition import build_services
from bot.services import Services
from bot.settings import Settings
from handlers import (
    approvals,
    assistant,
    commands,
    desk,
    errors,
    faq,
    home,
    intake,
    middleware,
    receipts,
    workflow_steps,
)
from handlers import events as event_handlers
from models.db import within

log = logging.getLogger(__name__)
FAILED = "madoguchi_failed"
# Slack gives up at 3 s: a request whose database calls still block after this long (a connection
# that went silent) has them cut (models/db.py Deadlines) and answers politely instead of hanging.
REQUEST_DB_DEADLINE_S = 2.0


class MadoguchiApp(App):
    """A Bolt App whose dispatch is one unit of work."""

    services: Services

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        if req.mode == "http" and not req.context.get(gate.VERIFIED):
            # Over HTTP only the gate (bot/gate.py) verifies signatures; Bolt's own check is off.
            log.warning("refused an HTTP request that did not pass the gate (401)")
            return BoltResponse(status=401, body={"error": "invalid request"})
        with within(REQUEST_DB_DEADLINE_S):
            return self._dispatch(req)

    def _dispatch(self, req: BoltRequest) -> BoltResponse:
        session = self.services.session_factory()
        req.context["db"] = session
        req.context["services"] = self.services
        try:
            response = super().dispatch(req)
            if req.context.get(FAILED) or response.status >= 500:
                session.rollback()
                return response
            if not self._first_delivery(req, session):
                session.rollback()  # a Slack retry of an event already handled: drop this run's work
                return BoltResponse(status=200, body="")
            session.commit()
            # Waking the dispatcher costs a claim transaction: only when this request queued a message.
            if session.info.pop(outbox.ENQUEUED, False):
                self.services.dispatcher.notify()
            return response
        except errors.DATABASE_DOWN as exc:
            # The commit (or the event's dedupe row) failed: nothing was saved, so say so.
            with contextlib.suppress(Exception):
                session.rollback()
            return errors.database_down(req, self.services, exc)
        except Exception:
            session.rollback()
            raise
        finally:
            with contextlib.suppress(Exception):
                session.close()


    def _first_delivery(self, req: BoltRequest, session: object) -> bool:
        """Events API retries repeat event_id; recorded last, just before commit, so the write lock
        (SQLite) or the unique-index wait (PostgreSQL) is held for the shortest time. A concurrent
        duplicate waits here for the first to commit, then loses and rolls its work back."""
        body = req.body if isinstance(req.body, dict) else {}
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not event_id:
            return True
        event_type = str((body.get("event") or {}).get("type", ""))
        if event_type in events.IDEMPOTENT:
            return True
        return events.first_delivery(session, event_id, event_type, self.services.clock.now())  # type: ignore[arg-type]


def build_app(settings: Settings, *, services: Services | None = None,
              installation_store: InstallationStore | None = None) -> MadoguchiApp:
    """`installation_store`: OAuth mode's (bot/tenancy), for a workspace's desk. The desk is authorized by
    `authorize` below all the same; naming the store keeps Bolt from giving the app its own development-only
    file-based store whenever SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are in the environment, as in OAuth mode."""
    services = services or build_services(settings)
    token = settings.bot_token()
    # Authorize from the configured token without calling auth.test on every cold start: a Slack
    # outage at boot must not keep the bot from acknowledging requests. The bot's ids are read per
    # request: when Slack was unreachable at start, identify_bot fills them in once it answers.

    def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=enterprise_id, team_id=team_id, bot_token=token,
            bot_user_id=services.slack_identity.bot_user_id,
            bot_id=services.slack_identity.bot_id,
        )

    app = MadoguchiApp(
        signing_secret=settings.signing_secret() if not settings.socket_mode else None,
        client=services.client,
        authorize=authorize,
        process_before_response=True,
        # HTTP requests are verified once, on their raw bytes, by the gate in front of Bolt (bot/gate.py);
        # Bolt's own check would repeat it, raise on a non-numeric timestamp into the error handler, and
        # log bodies. dispatch() refuses an HTTP request the gate has not marked.
        request_verification_enabled=False,
        raise_error_for_unhandled_request=False,
        installation_store=installation_store,
    )
    app.services = services
    services.faq.warm()
    middleware.register(app, services)
    errors.register(app, services, failed_flag=FAILED)
    # Bolt tries listeners in this order, building ~25 arguments for each one it tries: the ways in come
    # first (a command, a DM or mention, opening Home, 申請する), then the buttons of what they start.
    commands.register(app, services)
    assistant.register(app, services)  # the DM's agent container: a new thread's prompts (before the DM listener)
    event_handlers.register(app, services)
    home.register(app, services)
    intake.register(app, services)  # request forms and their entry points; 🎫 in help channels
    faq.register(app, services)
    approvals.register(app, services)
    desk.register(app, services)  # the triage card's and the requester's buttons
    receipts.register(app, services)  # 📎 kept files to the clicker; the search for finance and auditors
    workflow_steps.register(app, services)  # Workflow Builder's 「madoguchi で承認」 step
    return app
