"""The one Bolt error handler: a domain error becomes a message in the user's language, any other
error a polite apology with a reference to find it in the logs. Never a stack trace to a user,
never a silent drop; the request's transaction is rolled back."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse

from bot import gate, outbox
from bot.errors import DomainError, ValidationFailed
from bot.i18n import t
from bot.services import Services
from bot.views.errors import error_modal

log = logging.getLogger(__name__)


def register(app: App, services: Services, *, failed_flag: str) -> None:
    @app.error
    def on_error(error: Exception, body: dict[str, Any], context: BoltContext, request: BoltRequest) -> BoltResponse:
        context[failed_flag] = True
        if request.mode == "http" and not request.context.get(gate.VERIFIED):
            # Defence in depth (the gate and MadoguchiApp.dispatch refuse these first): nothing of an
            # unverified request is used, not even to apologise.
            log.warning("error on an unverified request (%s): refused (401)", type(error).__name__)
            return BoltResponse(status=401, body={"error": "invalid request"})
        locale = context.get("locale") or services.config.default_locale
        if body.get("type") == "event_callback" and not isinstance(error, DomainError) and _slack_will_retry(request):
            # A transient failure (database busy, Slack slow): let Slack deliver the event again
            # rather than apologise for a question we can still answer. The last retry apologises.
            log.warning("event %s failed (%s); Slack will retry", body.get("event_id"), error)
            return BoltResponse(status=500, body="")
        if isinstance(error, DomainError):
            text = error.message(locale)
            log.info("domain error for %s: %s", context.user_id, error)
        else:
            ref = uuid.uuid4().hex[:8]
            log.exception("unhandled error (ref %s) for %s", ref, body.get("type") or body.get("command"))
            text = t(locale, "errors.generic", ref=ref)
        return respond_with(body, context, services, text, error)


MAX_EVENT_RETRIES = 3  # SLACK_FACTS.md: up to three retries, the last about five minutes later


def _slack_will_retry(request: BoltRequest) -> bool:
    raw = (request.headers.get("x-slack-retry-num") or ["0"])[0]
    try:
        return int(raw) < MAX_EVENT_RETRIES
    except ValueError:
        return False


def respond_with(
    body: dict[str, Any], context: BoltContext, services: Services, text: str, error: Exception
) -> BoltResponse:
    kind = body.get("type")
    if body.get("command"):
        # A slash command's HTTP response is shown to the user as an ephemeral message.
        return _json({"response_type": "ephemeral", "text": text})
    if kind == "view_submission":
        if isinstance(error, ValidationFailed) and error.field_errors:
            return _json({"response_action": "errors", "errors": error.field_errors})
        # Push a small modal on top: the form underneath keeps everything the user typed.
        locale = context.get("locale") or services.config.default_locale
        return _json({"response_action": "push", "view": error_modal(locale, text)})
    _tell_later(body, context, services, text)
    return BoltResponse(status=200, body="")


def _tell_later(body: dict[str, Any], context: BoltContext, services: Services, text: str) -> None:
    user = context.user_id
    if not user:
        return
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    if body.get("type") == "event_callback":
        channel = (body.get("event") or {}).get("channel")
    # The request's own work is undone first (it also frees SQLite's write lock); the apology
    # travels in a fresh transaction.
    context["db"].rollback()
    with services.session_factory() as session, session.begin():
        if channel and not channel.startswith("D"):
            outbox.ephemeral(session, channel, user, text)
        else:
            outbox.post(session, user, text)
    services.dispatcher.notify()


def _json(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(status=200, body=json.dumps(payload, ensure_ascii=False),
                        headers={"content-type": "application/json;charset=utf-8"})
