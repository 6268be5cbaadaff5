"""回付 (FYI): people told of a request on its way through the chain, who confirm they have read it.

A 回付 position (a rule with `fyi: true`) is reached like any other step, but nobody decides there: each
person it names gets the request's summary with a 確認しました button, and the chain goes on at once
(bot.approvals.flow._enter). The click records 確認済み — a compare-and-set like a decision, audited — and
updates the message in place. Only the person told may confirm: a 回付 is read by the one it was sent to,
not by a delegate; the requester is never told this way (bot.approvals.chain leaves them out)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot import audit
from bot.approvals import notify
from bot.approvals.steps import ACKNOWLEDGED, INFORMED, WAITING
from bot.approvals.ticket_moves import update_receipt
from bot.errors import DomainError, NotAuthorized, NotFound
from models import ApprovalStep, Ticket

if TYPE_CHECKING:
    from bot.services import Services


class NotYours(NotAuthorized):
    key = "approvals.fyi.errors.not_yours"


class NoLongerOpen(DomainError):
    """The request was withdrawn (or the 回付 otherwise closed) before the click."""

    key = "approvals.fyi.errors.closed"


def inform(session: Session, services: Services, ticket: Ticket, step: ApprovalStep) -> None:
    """The chain reached a 回付 part: its person is told, in their language, with the 確認しました button."""
    now = services.clock.now()
    step.status = INFORMED
    step.requested_at = now
    session.flush()
    audit.record(session, actor="system", action="step.informed", subject=f"step:{step.id}", ticket_id=ticket.id,
                 before={"status": WAITING}, after={"status": INFORMED, "approvers": step.approvers,
                                                    "round": step.round, "position": step.position,
                                                    "part": step.part}, at=now)
    notify.inform(session, services, ticket, step)


def acknowledge(session: Session, services: Services, *, step_id: int, version: int, actor: str) -> ApprovalStep:
    """確認しました: recorded once (a repeat click changes nothing and says nothing)."""
    step = session.get(ApprovalStep, step_id)
    if step is None or step.mode != "fyi":
        raise NotFound(f"circulation step {step_id}")
    ticket = session.get(Ticket, step.ticket_id)
    assert ticket is not None
    if actor not in step.approvers:
        raise NotYours(f"{actor} was not told of step {step_id}")
    if step.status == ACKNOWLEDGED:
        return step
    now = services.clock.now()
    changed = session.execute(
        update(ApprovalStep)
        .where(ApprovalStep.id == step_id, ApprovalStep.version == version, ApprovalStep.status == INFORMED)
        .values(status=ACKNOWLEDGED, version=version + 1, decided_by=actor, decided_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(step)
    if changed != 1:
        if step.status == ACKNOWLEDGED:  # their other click went first
            return step
        raise NoLongerOpen(f"step {step_id} is {step.status}")
    audit.record(session, actor=actor, action="step.acknowledged", subject=f"step:{step.id}", ticket_id=ticket.id,
                 before={"status": INFORMED, "version": version},
                 after={"status": ACKNOWLEDGED, "version": step.version}, at=now)
    notify.step_closed(session, services, ticket, step)
    update_receipt(session, services, ticket)
    return step
