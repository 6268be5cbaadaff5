"""Approval buttons and modals: 承認 / コメントして承認 / 差戻し / 却下 / 詳細 (in the DM and on App Home — same
action ids), 確認しました on a 回付, the reason (or comment) modal, 修正して再提出, an admin's 承認者を変更, and
delegation (`/helpdesk delegate`, App Home 設定する / 取り消し).

Thin: the button value is a pointer (step id:version); who clicked comes from the signed payload;
the decision and its authorization live in bot.approvals."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.approvals import circulation, delegation, screens
from bot.approvals import decide as decisions
from bot.approvals.delegation_view import (
    DATE_INPUT,
    DELEGATE_BLOCK,
    DELEGATE_INPUT,
    ENDS_BLOCK,
    NOTE_BLOCK,
    NOTE_INPUT,
    STARTS_BLOCK,
)
from bot.approvals.views import (
    BULK_BLOCK,
    BULK_INPUT,
    FIELDS_BLOCK,
    FIELDS_INPUT,
    REASON_BLOCK,
    REASON_INPUT,
    REASSIGN_REASON_BLOCK,
    REASSIGN_TO_BLOCK,
    REASSIGN_TO_INPUT,
    bulk_result_modal,
)
from bot.forms.clean import clean_text
from bot.forms.state import date_of, element, options_of, text_of, user_of, view_values
from bot.services import Services
from bot.slack_ids import ApprovalAction, ApprovalCallback
from bot.views.metadata import ApprovalReasonContext, ApprovalReassignContext, read
from handlers.values import clicked_id, clicked_pointer
from handlers.values import pointer as pointer_of

DELEGATE_WORDS = ("delegate", "代理", "代理承認")


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _open_or_push(client: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
    """From a modal (e.g. 詳細 → 承認者を変更) the new view stacks on top; elsewhere it opens."""
    if (body.get("container") or {}).get("type") == "view" and (body.get("view") or {}).get("type") == "modal":
        client.views_push(trigger_id=body["trigger_id"], view=view)
    else:
        client.views_open(trigger_id=body["trigger_id"], view=view)


def delegate_command(ack: Ack, command: dict[str, Any], context: BoltContext, client: Any, services: Services,
                     **_: Any) -> None:
    """`/helpdesk delegate` (handlers/commands.py VERBS): the same modal as App Home's 設定する."""
    client.views_open(trigger_id=command["trigger_id"], view=screens.delegation_form(services, context["locale"]))
    ack()


def register(app: App, services: Services) -> None:
    @app.action(ApprovalAction.APPROVE)
    def approve(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        step_id, version = clicked_pointer(body)
        decisions.decide(context["db"], services, step_id=step_id, version=version, actor=context.user_id,
                         outcome="approved", locale=context["locale"])
        ack()

    @app.action(ApprovalAction.ACKNOWLEDGE)
    def acknowledge(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        step_id, version = clicked_pointer(body)
        circulation.acknowledge(context["db"], services, step_id=step_id, version=version, actor=context.user_id)
        ack()

    def open_reason(outcome: str):  # type: ignore[no-untyped-def]
        def handler(ack: Ack, body: dict[str, Any], context: BoltContext, client: Any) -> None:
            step_id, version = clicked_pointer(body)
            view = screens.reason_form(context["db"], services, step_id=step_id, version=version,
                                       actor=context.user_id, outcome=outcome, locale=context["locale"])
            client.views_open(trigger_id=body["trigger_id"], view=view)
            ack()

        return handler

    app.action(ApprovalAction.APPROVE_WITH_COMMENT)(open_reason("approved"))
    app.action(ApprovalAction.SEND_BACK)(open_reason("sent_back"))
    app.action(ApprovalAction.REJECT)(open_reason("rejected"))

    @app.action(ApprovalAction.BULK_OPEN)
    def bulk_open(ack: Ack, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        client.views_open(trigger_id=body["trigger_id"],
                          view=screens.bulk_form(context["db"], services, actor=context.user_id,
                                                 locale=context["locale"]))
        ack()

    @app.view(ApprovalCallback.BULK)
    def bulk_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        values = view_values(body["view"])
        ticked = [value for block in values if block.startswith(BULK_BLOCK)
                  for value in options_of(element(values, block, BULK_INPUT))]
        outcome = decisions.decide_many(context["db"], services, pointers=[pointer_of(v) for v in ticked],
                                        actor=context.user_id, locale=context["locale"])
        ack(response_action="update", view=bulk_result_modal(context["locale"], outcome))

    @app.action(ApprovalAction.DETAILS)
    def details(ack: Ack, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        step_id, _ = clicked_pointer(body)
        view = screens.details(context["db"], services, step_id=step_id, actor=context.user_id,
                               locale=context["locale"])
        client.views_open(trigger_id=body["trigger_id"], view=view)
        ack()

    @app.action(ApprovalAction.RESUBMIT)
    def resubmit(ack: Ack, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        ticket_id = clicked_id(body)
        view = screens.resubmit_form(context["db"], services, ticket_id=ticket_id, actor=context.user_id,
                                     locale=context["locale"])
        client.views_open(trigger_id=body["trigger_id"], view=view)
        ack()

    @app.view(ApprovalCallback.REASON)
    def reason_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        meta = read(ApprovalReasonContext, body["view"])
        values = view_values(body["view"])
        reason = clean_text(text_of(element(values, REASON_BLOCK, REASON_INPUT)) or "")  # no NUL, nothing invisible
        ticked = options_of(element(values, FIELDS_BLOCK, FIELDS_INPUT))
        decisions.decide(context["db"], services, step_id=meta.step, version=meta.version,
                         actor=context.user_id, outcome=meta.outcome, reason=reason,
                         fields_to_fix=ticked, locale=context["locale"])
        ack()

    # -- an admin re-assigns a pending step ------------------------------------------------------
    @app.action(ApprovalAction.REASSIGN_OPEN)
    def reassign_open(ack: Ack, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        step_id, version = clicked_pointer(body)
        view = screens.reassign_form(context["db"], services, step_id=step_id, version=version,
                                     actor=context.user_id, locale=context["locale"])
        _open_or_push(client, body, view)
        ack()

    @app.view(ApprovalCallback.REASSIGN)
    def reassign_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        meta = read(ApprovalReassignContext, body["view"])
        values = view_values(body["view"])
        decisions.reassign(context["db"], services, step_id=meta.step, version=meta.version,
                           actor=context.user_id, to=user_of(element(values, REASSIGN_TO_BLOCK, REASSIGN_TO_INPUT)),
                           reason=clean_text(text_of(element(values, REASSIGN_REASON_BLOCK, REASON_INPUT)) or ""),
                           locale=context["locale"])
        ack(response_action="clear")  # the 詳細 underneath shows the old approver: close the whole stack

    # -- delegation (代理承認) -----------------------------------------------------------------------
    @app.action(ApprovalAction.DELEGATE_OPEN)
    def delegate_open(ack: Ack, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        client.views_open(trigger_id=body["trigger_id"], view=screens.delegation_form(services, context["locale"]))
        ack()

    @app.view(ApprovalCallback.DELEGATE)
    def delegate_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        values = view_values(body["view"])
        delegation.create_for_days(
            context["db"], services, delegator=context.user_id, actor=context.user_id,
            delegate=user_of(element(values, DELEGATE_BLOCK, DELEGATE_INPUT)),
            first_day=_day(date_of(element(values, STARTS_BLOCK, DATE_INPUT))),
            last_day=_day(date_of(element(values, ENDS_BLOCK, DATE_INPUT))),
            reason=clean_text(text_of(element(values, NOTE_BLOCK, NOTE_INPUT)) or "") or None, locale=context["locale"])
        ack()

    @app.action(ApprovalAction.DELEGATE_CANCEL)
    def delegate_cancel(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        delegation_id = clicked_id(body)
        delegation.cancel(context["db"], services, delegation_id, context.user_id)
        ack()
