"""The one Bolt error handler: a domain error becomes a message in the user's language, any other
error a polite apology with a reference to find it in the logs. Never a stack trace to a user,
never a silent drop; the request's transaction is rolled back."""

from __future__ import annotations

import http.client
import json
import logging
import threading
import uuid
from typing import Any
from urllib.error import URLError

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot import gate, outbox
from bot.errors import DomainError, ValidationFailed
from bot.i18n import t
from bot.i18n.mrkdwn import literal
from bot.services import IN_REQUEST_TIMEOUT_S, Services
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
        if isinstance(error, DATABASE_DOWN):
            return database_down(request, services, error)
        if body.get("type") == "event_callback" and not isinstance(error, DomainError) and _slack_will_retry(request):
            # A transient failure (Slack slow): let Slack deliver the event again rather than
            # apologise for a question we can still answer. The last retry apologises.
            log.warning("event %s failed (%s); Slack will retry", body.get("event_id"), type(error).__name__)
            return BoltResponse(status=500, body="")
        if isinstance(error, SLACK_UNANSWERED):
            # Slack slow or unreachable during the request (a views.open it dropped or did not answer in
            # time): expected, not a bug. The transaction is rolled back and the person is told so.
            log.warning("Slack did not answer (%s) for %s", type(error).__name__,
                        body.get("type") or body.get("command"))
            return respond_with(body, context, services, t(locale, "errors.slack_unanswered"), error)
        if isinstance(error, SlackApiError) and error.response.get("error") == "expired_trigger_id":
            # The click's work outlasted the trigger's 3 seconds (a loaded moment): another click opens it.
            log.warning("a form opened too late (expired_trigger_id) for %s", body.get("type") or body.get("command"))
            return respond_with(body, context, services, t(locale, "errors.form_too_late"), error)
        if isinstance(error, DomainError) and error.silent:
            log.info("domain error for %s: %s (nothing to say)", context.user_id, type(error).__name__)
            return BoltResponse(status=200, body="")
        if isinstance(error, DomainError):
            text = error.message(locale)
            # The class only: a domain error's text may quote what the person typed.
            log.info("domain error for %s: %s", context.user_id, type(error).__name__)
        else:
            ref = uuid.uuid4().hex[:8]
            log.exception("unhandled error (ref %s) for %s", ref, body.get("type") or body.get("command"))
            text = t(locale, "errors.generic", ref=ref)
        return respond_with(body, context, services, text, error)


# A Web API call made inside the request that Slack did not answer (slack_sdk raises urllib's and
# http.client's errors as they are).
SLACK_UNANSWERED = (TimeoutError, ConnectionError, URLError, http.client.HTTPException)
# The database refuses, times out or went silent (SQLite: locked). Sent without it.
DATABASE_DOWN = (OperationalError, InterfaceError, PoolTimeout)
_SENDERS = threading.BoundedSemaphore(4)  # apologies in flight at once; beyond that only logged


def database_down(request: BoltRequest, services: Services, error: Exception) -> BoltResponse:
    """A polite answer in the user's language that touches no database: a slash command's ephemeral
    body, a modal's error screen, a click's ephemeral via its response_url (or chat.postEphemeral / a
    DM) sent directly with the in-request client. An event gets 503 so Slack delivers it again."""
    body = request.body
    context = request.context
    locale = context.get("locale") or services.locales.known_locale(context.user_id)
    log.warning("database unavailable (%s) for %s", type(error).__name__, body.get("type") or body.get("command"))
    text = t(locale, "errors.database_down")
    kind = body.get("type")
    if body.get("command"):
        return _json({"response_type": "ephemeral", "text": text})
    if kind == "view_submission":
        return _json({"response_action": "push", "view": error_modal(locale, text)})
    if kind == "event_callback" and _slack_will_retry(request):
        return BoltResponse(status=503, body="")  # the last retry tells the person, if there is one
    if context.user_id:
        _send_now(services, body, context.user_id, text)
    return BoltResponse(status=200, body="")


def _send_now(services: Services, body: dict[str, Any], user: str, text: str) -> None:
    if not _SENDERS.acquire(blocking=False):
        log.warning("apology to %s dropped: too many in flight", user)
        return
    response_url = body.get("response_url")
    channel = _channel(body)

    def send() -> None:
        try:
            if response_url:
                WebhookClient(response_url, timeout=IN_REQUEST_TIMEOUT_S).send(
                    text=text, response_type="ephemeral", replace_original=False)
            elif channel and not channel.startswith("D"):
                services.client.chat_postEphemeral(channel=channel, user=user, text=text)
            else:
                services.client.chat_postMessage(channel=user, text=text)
        except Exception as exc:  # best effort: Slack may be down too
            log.warning("apology to %s not delivered: %s", user, type(exc).__name__)
        finally:
            _SENDERS.release()

    # Off the request thread: the ack must not wait for Slack.
    threading.Thread(target=send, name="apology", daemon=True).start()


def _channel(body: dict[str, Any]) -> str | None:
    if body.get("type") == "event_callback":
        return (body.get("event") or {}).get("channel")
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")


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
            # Field errors show as plain text: the catalog's mrkdwn is turned back into what it says.
            return _json({"response_action": "errors",
                          "errors": {k: literal(v) for k, v in error.field_errors.items()}})
        # Push a small modal on top: the form underneath keeps everything the user typed.
        locale = context.get("locale") or services.config.default_locale
        return _json({"response_action": "push", "view": error_modal(locale, text)})
    _tell_later(body, context, services, text)
    return BoltResponse(status=200, body="")


def _tell_later(body: dict[str, Any], context: BoltContext, services: Services, text: str) -> None:
    """Where the person acted: a click gets an ephemeral answer in the message's channel (through its
    response_url, else chat.postEphemeral — also in the bot's DM: never a new DM about a click), a
    click on Home or in a modal a small modal on top; an event an ephemeral in its channel, or a
    reply in the DM it came from."""
    user = context.user_id
    if not user:
        return
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    click = body.get("type") == "block_actions"
    if body.get("type") == "event_callback":
        channel = (body.get("event") or {}).get("channel")
    # The request's own work is undone first (it also frees SQLite's write lock); the apology
    # travels in a fresh transaction.
    context["db"].rollback()
    if click and not channel and _show_on_top(body, context, services, text):
        return
    with services.session_factory() as session, session.begin():
        if click and body.get("response_url"):
            outbox.respond(session, body["response_url"], {"response_type": "ephemeral", "replace_original": False,
                                                           "text": text})
        elif channel and (click or not channel.startswith("D")):
            outbox.ephemeral(session, channel, user, text)
        else:
            outbox.post(session, user, text)
    services.dispatcher.notify()


def _show_on_top(body: dict[str, Any], context: BoltContext, services: Services, text: str) -> bool:
    """A click on App Home or in a modal has no channel to answer in: a small modal opens on top
    (now, while its trigger id is valid). False when that is not possible."""
    trigger = body.get("trigger_id")
    if not trigger:
        return False
    view = error_modal(context.get("locale") or services.config.default_locale, text)
    in_modal = (body.get("view") or {}).get("type") == "modal"
    try:
        client = context.client or services.client
        if in_modal:
            client.views_push(trigger_id=trigger, view=view)
        else:
            client.views_open(trigger_id=trigger, view=view)
    except Exception as exc:  # Slack said no (e.g. the trigger expired): fall back to a message
        log.warning("error modal for %s not opened: %s", context.user_id, type(exc).__name__)
        return False
    return True


def _json(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(status=200, body=json.dumps(payload, ensure_ascii=False),
                        headers={"content-type": "application/json;charset=utf-8"})
