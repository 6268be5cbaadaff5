"""Approval buttons and modals: 承認 / 差戻し / 却下 / 詳細, the reason modal, 修正して再提出.

Thin: the button value is a pointer (step id:version); who clicked comes from the signed payload;
the decision and its authorization live in bot.approvals."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.approvals import decide as decisions
from bot.approvals import screens
from bot.services import Services
from bot.views.approvals import FIELDS_BLOCK, FIELDS_INPUT, REASON_BLOCK, REASON_INPUT, parse_pointer
from handlers.ids import ApprovalAction, ApprovalCallback


def _pointer(body: dict[str, Any]) -> tuple[int, int]:
    return parse_pointer(body["actions"][0].get("value", ""))


def register(app: App, services: Services) -> None:
    @app.action(ApprovalAction.APPROVE)
    def approve(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        step_id, version = _pointer(body)
        decisions.decide(context["db"], services, step_id=step_id, version=version, actor=context.user_id,
                         outcome="approved", locale=context["locale"])
        ack()

    def open_reason(outcome: str):  # type: ignore[no-untyped-def]
        def handler(ack: Ack, body: dict[str, Any], context: BoltContext, client: Any) -> None:
            step_id, version = _pointer(body)
            view = screens.reason_form(context["db"], services, step_id=step_id, version=version,
                                       actor=context.user_id, outcome=outcome, locale=context["locale"])
            client.views_open(trigger_id=body["trigger_id"], view=view)
            ack()

        return handler

    app.action(ApprovalAction.SEND_BACK)(open_reason("sent_back"))
    app.action(ApprovalAction.REJECT)(open_reason("rejected"))

    @app.action(ApprovalAction.DETAILS)
    def details(ack: Ack, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        step_id, _ = _pointer(body)
        view = screens.details(context["db"], services, step_id=step_id, actor=context.user_id,
                               locale=context["locale"])
        client.views_open(trigger_id=body["trigger_id"], view=view)
        ack()

    @app.action(ApprovalAction.RESUBMIT)
    def resubmit(ack: Ack, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        ticket_id = int(body["actions"][0].get("value") or 0)
        view = screens.resubmit_form(context["db"], services, ticket_id=ticket_id, actor=context.user_id,
                                     locale=context["locale"])
        client.views_open(trigger_id=body["trigger_id"], view=view)
        ack()

    @app.view(ApprovalCallback.REASON)
    def reason_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        view = body["view"]
        meta = json.loads(view.get("private_metadata") or "{}")
        values = view.get("state", {}).get("values", {})
        reason = (values.get(REASON_BLOCK, {}).get(REASON_INPUT) or {}).get("value")
        ticked = (values.get(FIELDS_BLOCK, {}).get(FIELDS_INPUT) or {}).get("selected_options") or []
        decisions.decide(context["db"], services, step_id=int(meta["step"]), version=int(meta["version"]),
                         actor=context.user_id, outcome=meta["outcome"], reason=reason,
                         fields_to_fix=[o["value"] for o in ticked], locale=context["locale"])
        ack()
