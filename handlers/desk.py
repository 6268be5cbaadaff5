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


# The buttons that open a modal about the ticket, one listener for all of them: Bolt tries listeners one by
# one, building every injectable argument for each, so a table here is cheaper than six listeners.
MODALS: dict[str, Callable[..., dict[str, Any]]] = {
    TicketAction.ASSIGN: screens.assign_form,
    TicketAction.HOLD: screens.hold_form,
    TicketAction.RESOLVE: screens.resolve_form,
    TicketAction.REROUTE: screens.reroute_form,
    TicketAction.ANSWER: screens.answer_form,
    TicketAction.DETAILS: screens.details,
}
OPENS_MODAL = re.compile("^(" + "|".join(re.escape(action) for action in MODALS) + ")$")
# Their modals' submissions: the service and the blocks whose values it takes, in its argument order.
SUBMISSIONS: dict[str, tuple[Callable[..., object], tuple[str, ...]]] = {
    TicketCallback.ASSIGN: (triage.assign, (TicketBlock.ASSIGNEE,)),
    TicketCallback.HOLD: (triage.hold, (TicketBlock.QUESTION,)),
    TicketCallback.RESOLVE: (triage.resolve, (TicketBlock.NOTE,)),
    TicketCallback.REROUTE: (triage.reroute, (TicketBlock.DEPARTMENT, TicketBlock.REASON)),
    TicketCallback.ANSWER: (requester.answer, (TicketBlock.ANSWER,)),
}
SUBMITS_MODAL = re.compile("^(" + "|".join(re.escape(callback) for callback in SUBMISSIONS) + ")$")


def register(app: App, services: Services) -> None:
    @app.action(OPENS_MODAL)
    def open_modal(ack: Ack, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        build = MODALS[body["actions"][0]["action_id"]]
        view = build(context["db"], services, ticket_id(body), context.user_id, context["locale"])
        client.views_open(trigger_id=body["trigger_id"], view=view)
        ack()

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

    @app.view(SUBMITS_MODAL)
    def submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        service, blocks = SUBMISSIONS[view["callback_id"]]
        service(context["db"], services, modal_ticket(view), context.user_id,
                *(field_value(view, block) for block in blocks), context["locale"])
        ack()
