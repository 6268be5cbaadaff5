"""Approval step rows: creating a round from a planned chain, and the queries the flow needs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from bot.approvals.chain import PlannedStep
from bot.config import WorkspaceConfig
from models import ApprovalStep, Ticket

PENDING, WAITING, APPROVED, SENT_BACK, REJECTED, SKIPPED, CANCELLED = (
    "pending", "waiting", "approved", "sent_back", "rejected", "skipped", "cancelled")
# 回付 (mode fyi): told, then confirmed by the person told.
INFORMED, ACKNOWLEDGED = "informed", "acknowledged"
OPEN = (PENDING, WAITING)
DECIDED = (APPROVED, SENT_BACK, REJECTED)


@dataclass(frozen=True)
class Decision:
    """One decision that changed a step (bot/approvals/decide.py), handed to the flow (flow.after_decision)."""

    step: ApprovalStep
    ticket: Ticket
    outcome: str
    actor: str
    on_behalf_of: str | None


def add_round(session: Session, ticket_id: int, round_no: int, plan: Sequence[PlannedStep],
              carried: dict[tuple[int, int], str]) -> list[ApprovalStep]:
    """One row per planned step; `carried` maps (position, part) already settled in an earlier round to why."""
    rows = []
    for planned in plan:
        reason = planned.skipped_reason or carried.get((planned.position, planned.part))
        rows.append(ApprovalStep(
            ticket_id=ticket_id, round=round_no, position=planned.position, part=planned.part, mode=planned.mode,
            rule=planned.rule_label[:200], approvers=list(planned.approvers),
            status=SKIPPED if reason else WAITING, comment=reason, fields_to_fix=[],
        ))
    session.add_all(rows)
    session.flush()
    return rows


def steps_of(session: Session, ticket_id: int, round_no: int | None = None) -> list[ApprovalStep]:
    query = select(ApprovalStep).where(ApprovalStep.ticket_id == ticket_id)
    if round_no is not None:
        query = query.where(ApprovalStep.round == round_no)
    return list(session.scalars(query.order_by(ApprovalStep.round, ApprovalStep.position, ApprovalStep.part)))


def latest_round(session: Session, ticket_id: int) -> int:
    return session.scalar(select(func.max(ApprovalStep.round)).where(ApprovalStep.ticket_id == ticket_id)) or 0


def positions(steps: Sequence[ApprovalStep]) -> int:
    """How many steps a chain has as people count them: a 合議's or 回付's parts are one step."""
    return len({(s.round, s.position) for s in steps})


def siblings(session: Session, step: ApprovalStep) -> list[ApprovalStep]:
    """The other parts of the step's position (合議: the other members; empty for a one-part step)."""
    return list(session.scalars(
        select(ApprovalStep)
        .where(ApprovalStep.ticket_id == step.ticket_id, ApprovalStep.round == step.round,
               ApprovalStep.position == step.position, ApprovalStep.id != step.id)
        .order_by(ApprovalStep.part).execution_options(populate_existing=True)))


def next_position(session: Session, ticket_id: int, round_no: int, after: int) -> list[ApprovalStep]:
    """The waiting parts of the first position after `after` that still has any (empty: none left)."""
    first = session.scalar(
        select(func.min(ApprovalStep.position))
        .where(ApprovalStep.ticket_id == ticket_id, ApprovalStep.round == round_no,
               ApprovalStep.position > after, ApprovalStep.status == WAITING))
    if first is None:
        return []
    return list(session.scalars(
        select(ApprovalStep)
        .where(ApprovalStep.ticket_id == ticket_id, ApprovalStep.round == round_no,
               ApprovalStep.position == first, ApprovalStep.status == WAITING)
        .order_by(ApprovalStep.part)))


def next_deciding(session: Session, ticket_id: int, round_no: int, after: int) -> list[ApprovalStep]:
    """The waiting parts of the next position someone decides (回付 positions on the way are passed)."""
    while rows := next_position(session, ticket_id, round_no, after):
        deciding = [r for r in rows if r.mode != "fyi"]
        if deciding:
            return deciding
        after = rows[0].position
    return []


def has_decided(session: Session, user: str) -> bool:
    """Has this person ever decided a step (approved, sent back or rejected)?"""
    return session.scalar(select(ApprovalStep.id).where(ApprovalStep.decided_by == user).limit(1)) is not None


def decides_approvals(session: Session, config: WorkspaceConfig, user: str) -> bool:
    """Someone who may be asked to approve: a manager, a role holder, a department approver, or anyone who
    has been an approver."""
    person = config.person_for_slack_id(user)
    if person is not None:
        if person.roles or config.org.manages_someone(person.key):
            return True
        if any(person.key in d.approvers for d in config.departments):
            return True
    return has_decided(session, user)


def pending_for(session: Session, approvers: Sequence[str]) -> list[ApprovalStep]:
    """Pending steps any of these people may decide.

    The database narrows the rows by the id's text inside the JSON list (the same LIKE on both backends;
    every App Home render asks this, and loading every pending step of the company into Python was the
    month soak's hottest path); Python then keeps the exact matches."""
    wanted = set(approvers)
    if not wanted:
        return []
    as_text = cast(ApprovalStep.approvers, String)
    rows = session.scalars(select(ApprovalStep)
                           .where(ApprovalStep.status == PENDING,
                                  or_(*(as_text.contains(json.dumps(a), autoescape=True) for a in sorted(wanted))))
                           .order_by(ApprovalStep.id))
    return [s for s in rows if wanted & set(s.approvers)]

