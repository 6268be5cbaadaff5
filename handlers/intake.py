"""Every way into a request form: `/helpdesk` with no text, the 申請する shortcut, the App Home button
(type picker → the type's form by views.update), the この内容で問い合わせる message shortcut and the
FAQ's "ask a person" (the inquiry form, pre-filled), a 🎫 reaction in a help channel (an inquiry
straight away); and the form's submission.

Modals open first, inside the trigger's 3 s; anything slow (routing the text) comes after, by
views.update."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.errors import SlackApiError

from bot.forms import read_state
from bot.forms.state import view_values
from bot.forms.views import received, request_form, type_picker
from bot.i18n import t
from bot.receipts.fetch import SlackFiles
from bot.services import Services
from bot.slack_ids import Action, IntakeAction, IntakeCallback, IntakeShortcut
from bot.tickets import inbox, requester
from bot.tickets.submit import Origin, submit
from bot.tickets.summary import archive_link, department_name
from bot.tickets.workspace import request_type
from bot.views.metadata import FormContext, read

log = logging.getLogger(__name__)
# Below this the form opens without a suggested department (the requester or the router decides).
SUGGEST_CONFIDENCE = 0.4


def open_picker(client: Any, trigger_id: str, services: Services, locale: str) -> None:
    client.views_open(trigger_id=trigger_id, view=type_picker(locale, services.config))


def open_inquiry_form(client: Any, trigger_id: str, services: Services, locale: str, *, text: str,
                      channel: str | None = None, ts: str | None = None, thread_ts: str | None = None,
                      faq_query: int | None = None) -> None:
    """The inquiry form pre-filled with `text` (FAQ "ask a person", message shortcut). The routing
    suggestion is added by views.update once the modal is open."""
    rt = inbox.inquiry_type(services.config)
    initial = inbox.prefill(rt, text)
    metadata = FormContext(type=rt.key, channel=channel, ts=ts, thread_ts=thread_ts, faq_query=faq_query).dump()
    notes = []
    if channel and ts:
        notes.append(t(locale, "form.from_message", link=archive_link(channel, ts)))
    opened = client.views_open(trigger_id=trigger_id,
                               view=request_form(rt, locale, services.config, metadata=metadata, initial=initial,
                                                 notes=notes))
    department_field = next((f.key for f in rt.fields if f.type == "department"), None)
    if department_field is None or not text.strip():
        return
    decision = services.router.route(text)
    if decision.confidence < SUGGEST_CONFIDENCE:
        return
    initial[department_field] = decision.department
    hint = t(locale, "form.routed_hint", department=department_name(services, decision.department, locale))
    view = opened["view"]
    try:
        client.views_update(view_id=view["id"], hash=view["hash"],
                            view=request_form(rt, locale, services.config, metadata=metadata, initial=initial,
                                              notes=[*notes, hint]))
    except SlackApiError as exc:  # the user already moved on (hash_conflict): the form still works unrouted
        log.info("routing suggestion not shown: %s", exc.response.get("error"))


def helpdesk_without_text(ack: Ack, command: dict[str, Any], context: BoltContext, client: Any, services: Services,
                          **_: Any) -> None:
    open_picker(client, command["trigger_id"], services, context["locale"])
    ack()


def register(app: App, services: Services) -> None:
    @app.shortcut(IntakeShortcut.NEW_REQUEST)
    def new_request(ack: Ack, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        open_picker(client, body["trigger_id"], services, context["locale"])
        ack()

    @app.action(Action.HOME_NEW_REQUEST)
    def home_new_request(ack: Ack, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        open_picker(client, body["trigger_id"], services, context["locale"])
        ack()

    @app.shortcut(IntakeShortcut.INQUIRY_FROM_MESSAGE)
    def inquiry_from_message(ack: Ack, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        message = body.get("message") or {}
        open_inquiry_form(client, body["trigger_id"], services, context["locale"], text=message.get("text") or "",
                          channel=(body.get("channel") or {}).get("id"), ts=message.get("ts"),
                          thread_ts=message.get("thread_ts"))
        ack()

    @app.action(IntakeAction.PICK_TYPE)
    def pick_type(ack: Ack, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        rt = request_type(services, body["actions"][0]["value"])
        view = body["view"]
        client.views_update(view_id=view["id"], hash=view["hash"],
                            view=request_form(rt, context["locale"], services.config,
                                              metadata=FormContext(type=rt.key).dump()))
        ack()

    @app.view(IntakeCallback.REQUEST_FORM)
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: Any) -> None:
        form = read(FormContext, view)
        rt = request_type(services, form.type)
        raw = read_state(rt, view_values(view))
        locale = context["locale"]
        files = SlackFiles(client)
        if form.ticket is not None:
            ticket = requester.resubmit(context["db"], services, form.ticket, context.user_id, raw, locale,
                                        files=files)
        else:
            ticket = submit(context["db"], services, requester=context.user_id, type_key=rt.key, raw=raw,
                            locale=locale, submission_key=f"view:{view['id']}",
                            origin=Origin("faq" if form.faq_query else "message" if form.ts else "form",
                                          form.channel, form.ts, form.thread_ts, faq_query=form.faq_query),
                            files=files)
        ack(response_action="update",
            view=received(locale, ticket.number, pending_approval=ticket.status == "pending_approval"))

    @app.event("reaction_added")
    def reaction(event: dict[str, Any], context: BoltContext, client: Any) -> None:
        item = event.get("item") or {}
        channel = item.get("channel")
        if (event.get("reaction") != services.config.routing.ticket_reaction or item.get("type") != "message"
                or channel not in services.config.routing.help_channels or not event.get("user")):
            return
        message = _message(client, channel, item.get("ts"))
        if message is None:
            return
        human = None if message.get("bot_id") else message.get("user")
        inbox.from_reaction(context["db"], services, reactor=event["user"], channel=channel, ts=item["ts"],
                            thread_ts=message.get("thread_ts"), author=human or event.get("item_user"),
                            text=message.get("text") or "")


def _message(client: Any, channel: str, ts: str | None) -> dict[str, Any] | None:
    if not ts:
        return None
    try:
        answer = client.conversations_replies(channel=channel, ts=ts, limit=1, inclusive=True)
    except SlackApiError as exc:
        log.warning("🎫 on %s/%s: cannot read the message (%s)", channel, ts, exc.response.get("error"))
        raise inbox.MessageUnreadable(str(exc)) from exc
    return next((m for m in answer.get("messages") or [] if m.get("ts") == ts), None)
