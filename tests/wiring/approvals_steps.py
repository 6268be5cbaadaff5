"""What people do with approvals in Slack, as steps a scenario reads like."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.approvals import flow
from bot.approvals.views import FIELDS_BLOCK, FIELDS_INPUT, REASON_BLOCK, REASON_INPUT
from bot.fakeslack.state_values import state_value
from bot.slack_ids import ApprovalAction
from models import ApprovalStep, Ticket
from tests.service.approvals_fixtures import new_ticket


def submit_expense(bot: Any, requester: str, amount: int) -> int:
    """A submitted expense entering approval, as intake's submit does (its hook calls start_approval)."""
    with bot.services.session_factory() as session, session.begin():
        ticket = new_ticket(session, requester=requester, amount=amount)
        assert flow.start_approval(session, bot.services, ticket, requester)
        ticket_id = ticket.id
    bot.deliver()
    return ticket_id


def approval_message(bot: Any, approver: str) -> dict[str, Any]:
    """The latest approval request in the approver's DM."""
    channel = bot.slack.dm_channel(approver)
    found = [m for m in bot.slack.messages(channel) if "承認依頼" in m.get("text", "")
             or "Approval request" in m.get("text", "")]
    assert found, f"no approval request in {approver}'s DM: {bot.slack.messages(channel)}"
    return found[-1]


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """action_id → value of the message's buttons."""
    return {e["action_id"]: e.get("value", "") for b in message.get("blocks", []) if b["type"] == "actions"
            for e in b["elements"]}


def click(bot: Any, user: str, message: dict[str, Any], action: str, *, channel: str | None = None) -> Any:
    value = buttons(message)[action]
    reply = bot.requester.block_action(user_id=user, action_id=action, value=value,
                                       channel_id=channel or bot.slack.dm_channel(user), message=message)
    bot.deliver()
    return reply


def give_reason(bot: Any, user: str, reason: str, fields: list[str] = ()) -> Any:
    """Fill the reason modal that 差戻し / 却下 opened, and submit it."""
    modal = bot.slack.modal_stack(user)[-1]
    values = {REASON_BLOCK: {REASON_INPUT: state_value("plain_text_input", reason)}}
    if fields:
        values[FIELDS_BLOCK] = {FIELDS_INPUT: state_value("checkboxes", list(fields))}
    reply = bot.requester.view_submission(user_id=user, view=modal, values=values)
    bot.deliver()
    return reply


def dm_texts(bot: Any, user: str) -> list[str]:
    return [m.get("text", "") for m in bot.slack.messages(bot.slack.dm_channel(user))]


def status_of(bot: Any, ticket_id: int) -> str:
    with bot.services.session_factory() as session:
        return session.get(Ticket, ticket_id).status


def ticket_number(bot: Any, ticket_id: int) -> str:
    with bot.services.session_factory() as session:
        return session.get(Ticket, ticket_id).number


def steps(bot: Any, ticket_id: int) -> list[tuple[str, str | None, str | None]]:
    with bot.services.session_factory() as session:
        rows = session.scalars(select(ApprovalStep).where(ApprovalStep.ticket_id == ticket_id)
                               .order_by(ApprovalStep.round, ApprovalStep.position))
        return [(s.status, s.decided_by, s.on_behalf_of) for s in rows]


APPROVE, SEND_BACK, REJECT, DETAILS = (ApprovalAction.APPROVE, ApprovalAction.SEND_BACK, ApprovalAction.REJECT,
                                       ApprovalAction.DETAILS)
