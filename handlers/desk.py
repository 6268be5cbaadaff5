"""The triage desk's buttons on the ticket card (担当する, 担当者変更, 保留, 解決, 部署変更, 詳細) and the
requester's (回答する, 取り下げ, the rating), with their modals. Button values carry the ticket id
only; who may act is decided by the services from the signed payload's user."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.forms.state import field_value
from bot.services import Services
from bot.slack_ids import TicketAction, TicketBlock, TicketCallback
from bot.tickets import requester, screens, triage
from bot.views.metadata import TicketContext, read
from handlers.values import clicked_id

RATE = re.compile(rf"^{TicketAction.RATE}_[1-5]$")


def ticket_id(body: dict[str, Any]) -> int:
    return clicked_id(body)


def modal_ticket(view: dict[str, Any]) -> int:
    return read(TicketContext, view).ticket


def register(app: App, services: Services) -> None:
    def opens(build: Callable[..., dict[str, Any]]) -> Callable[..., None]:
        def listener(ack: Ack, body: dict[str, Any], context: BoltContext, client: Any) -> None:
            view = build(context["db"], services, ticket_id(body), context.user_id, context["locale"])
            client.views_open(trigger_id=body["trigger_id"], view=view)
            ack()

        return listener

    app.action(TicketAction.ASSIGN)(opens(screens.assign_form))
    app.action(TicketAction.HOLD)(opens(screens.hold_form))
    app.action(TicketAction.RESOLVE)(opens(screens.resolve_form))
    app.action(TicketAction.REROUTE)(opens(screens.reroute_form))
    app.action(TicketAction.ANSWER)(opens(screens.answer_form))
    app.action(TicketAction.DETAILS)(opens(screens.details))

    @app.action(TicketAction.CLAIM)
    def claim(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        triage.claim(context["db"], services, ticket_id(body), context.user_id)
        ack()

    @app.action(TicketAction.WITHDRAW)
    def withdraw(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        requester.withdraw(context["db"], services, ticket_id(body), context.user_id)
        ack()

    @app.action(RATE)
    def rate(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        score = int(str(body["actions"][0]["action_id"]).rsplit("_", 1)[1])
        requester.rate(context["db"], services, ticket_id(body), context.user_id, score)
        ack()

    @app.view(TicketCallback.ASSIGN)
    def assigned(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        triage.assign(context["db"], services, modal_ticket(view), context.user_id,
                      field_value(view, TicketBlock.ASSIGNEE), context["locale"])
        ack()

    @app.view(TicketCallback.HOLD)
    def held(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        triage.hold(context["db"], services, modal_ticket(view), context.user_id,
                    field_value(view, TicketBlock.QUESTION), context["locale"])
        ack()

    @app.view(TicketCallback.RESOLVE)
    def resolved(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        triage.resolve(context["db"], services, modal_ticket(view), context.user_id,
                       field_value(view, TicketBlock.NOTE), context["locale"])
        ack()

    @app.view(TicketCallback.REROUTE)
    def rerouted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        triage.reroute(context["db"], services, modal_ticket(view), context.user_id,
                       field_value(view, TicketBlock.DEPARTMENT), field_value(view, TicketBlock.REASON),
                       context["locale"])
        ack()

    @app.view(TicketCallback.ANSWER)
    def answered(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        requester.answer(context["db"], services, modal_ticket(view), context.user_id,
                         field_value(view, TicketBlock.ANSWER), context["locale"])
        ack()
