"""FAQ listeners: questions by DM, @mention or `/helpdesk <question>`; the feedback buttons;
"ask a person" (opens the pre-filled inquiry form); "add to FAQ" from a resolved ticket."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot import outbox
from bot.assistant import replies
from bot.errors import ValidationFailed
from bot.faqdesk import capture, conversation, views
from bot.faqdesk.conversation import Where
from bot.forms.state import element, option_of, text_of, view_values
from bot.i18n import t
from bot.services import Services
from bot.slack_ids import FaqAction, FaqBlock, FaqCallback
from bot.views.metadata import FaqCaptureContext, read
from handlers.intake import open_inquiry_form  # the intake desk owns the inquiry form
from handlers.values import clicked, clicked_id

MENTION = re.compile(r"<@[UW][A-Z0-9]+>")


def question_text(raw: str) -> str:
    return MENTION.sub("", raw or "").strip()


def answer_message(event: dict[str, Any], context: BoltContext, services: Services, mention: bool) -> None:
    text = question_text(event.get("text", ""))
    if not text:
        return
    # A mention in a channel is answered in a thread; a DM in place, or in its thread if it has one.
    thread_ts = event.get("thread_ts") or (event.get("ts") if mention else None)
    channel = event.get("channel")
    if mention or not channel:
        conversation.answer(context["db"], services, user=event["user"], text=text, locale=context["locale"],
                            channel=channel, thread_ts=thread_ts, post=True)
        return
    # A DM: 申請する / 自分の申請の状況 are the desk's; the rest the FAQ's, with a status in the agent container.
    replies.answer_dm(context["db"], services, user=event["user"], text=text, locale=context["locale"],
                      channel=channel, thread_ts=thread_ts)


def answer_command(ack: Ack, command: dict[str, Any], context: BoltContext, services: Services, text: str,
                   **_: Any) -> None:
    fallback, blocks = conversation.answer(context["db"], services, user=command["user_id"], text=text,
                                           locale=context["locale"], channel=command.get("channel_id"),
                                           thread_ts=None, post=False)
    ack(response_type="ephemeral", text=fallback, blocks=blocks)


def where_from(body: dict[str, Any]) -> Where:
    container = body.get("container") or {}
    message = body.get("message") or {}
    return Where(
        channel=container.get("channel_id") or (body.get("channel") or {}).get("id"),
        ts=container.get("message_ts") or message.get("ts"),
        ephemeral=bool(container.get("is_ephemeral")),
        response_url=body.get("response_url"),
        blocks=list(message.get("blocks") or []),
    )


def register(app: App, services: Services) -> None:
    @app.action(FaqAction.HELPED)
    def on_helped(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        conversation.helped(context["db"], services, query_id=clicked_id(body), user=context.user_id,
                            locale=context["locale"], where=where_from(body))
        ack()

    @app.action(FaqAction.NOT_HELPED)
    def on_not_helped(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        conversation.not_helped(context["db"], services, query_id=clicked_id(body), user=context.user_id,
                                locale=context["locale"], where=where_from(body))
        ack()

    @app.action(FaqAction.SUGGESTION)
    def on_suggestion(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        entry_id = clicked(body).partition(":")[2]
        conversation.chose_suggestion(context["db"], services, query_id=clicked_id(body), entry_id=entry_id,
                                      user=context.user_id, locale=context["locale"], where=where_from(body))
        ack()

    @app.action(FaqAction.ESCALATE)
    def on_escalate(ack: Ack, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        query = conversation.escalated(context["db"], services, query_id=clicked_id(body), user=context.user_id,
                                       locale=context["locale"], where=where_from(body))
        open_inquiry_form(client, body["trigger_id"], services, context["locale"], text=query.text,
                          faq_query=query.id)
        ack()

    @app.action(FaqAction.CAPTURE)
    def on_capture(ack: Ack, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        ticket_id = clicked_id(body)
        locale = context["locale"]
        question, answer, department = capture.draft_from_ticket(context["db"], services.config, ticket_id,
                                                                 context.user_id)
        departments = [(d.key, d.name.get(locale)) for d in services.config.departments]
        client.views_open(trigger_id=body["trigger_id"], view=views.capture_modal(
            locale, question=question, answer=answer, department=department, departments=departments,
            metadata=FaqCaptureContext(ticket_id=ticket_id).dump()))
        ack()

    @app.view(FaqCallback.CAPTURE)
    def on_capture_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        locale = context["locale"]
        values = view_values(view)

        def typed(block: str) -> str:
            return str(text_of(element(values, block, views.CAPTURE_INPUT)) or "").strip()

        department = option_of(element(values, FaqBlock.DEPARTMENT, views.CAPTURE_INPUT))

        question, answer, variants = typed(FaqBlock.QUESTION), typed(FaqBlock.ANSWER), typed(FaqBlock.VARIANTS)
        missing = {b: t(locale, "faq.capture_required") for b, v in
                   ((FaqBlock.QUESTION, question), (FaqBlock.ANSWER, answer)) if not v}
        if missing:
            raise ValidationFailed(missing)
        ticket_id = read(FaqCaptureContext, view).ticket_id
        doc = capture.capture(context["db"], services.config, ticket_id=ticket_id, user=context.user_id,
                              question=question, variants=variants.splitlines(), answer=answer,
                              now=services.clock.now(), department=department)
        # This replica answers with the new entry from the next question on (the others within
        # FaqIndex.check_every, when they see the revision move).
        services.faq.invalidate()
        outbox.post(context["db"], context.user_id, t(locale, "faq.capture_done", question=doc.question, id=doc.id))
        ack()
