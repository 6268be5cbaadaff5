"""What approvals put on a person's App Home: steps awaiting their decision (their own and, while a
delegation is active, those of the person they stand in for), their delegations, and for admins the
approvals in flight. Listed in bot/outbox_renderers.py HOME_SECTIONS; rendered by the outbox's home refresh."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.approvals import delegates
from bot.approvals.delegation_view import DelegationRow, delegation_section
from bot.approvals.home_view import AwaitingItem, InFlightItem, awaiting_section, in_flight_section
from bot.approvals.notify import field_rows, local_time, longest_waiting, type_name
from bot.approvals.steps import PENDING, decides_approvals, positions, steps_of
from bot.tickets.summary import ticket_title
from bot.views.blocks import Block
from models import ApprovalStep, Delegation, Ticket

if TYPE_CHECKING:
    from bot.services import Services

AWAITING_LIMIT = 8  # 3 blocks each: the Home tab's 100 blocks are shared with other sections
IN_FLIGHT_LIMIT = 8


def awaiting_me(session: Session, services: Services, user: str, locale: str) -> list[Block]:
    pending, total = longest_waiting(session, services, user, AWAITING_LIMIT)
    if not total:
        return []
    now = services.clock.now()
    items = []
    for step, ticket, principal in pending:
        rows = [r for r in field_rows(services, ticket, locale) if r.value][:3]
        items.append(AwaitingItem(
            step_id=step.id, version=step.version, ticket_number=ticket.number,
            type_name=type_name(services, ticket, locale), title=ticket_title(services, ticket, locale),
            requester=services.locales.display_name(ticket.requester_id),
            summary=" · ".join(f"{r.label}: {r.value}" for r in rows),
            since=local_time(services, step.requested_at, locale),
            due=local_time(services, step.due_at, locale) or None,
            overdue=bool(step.due_at and step.due_at <= now),
            principal=services.locales.display_name(principal) if principal else None,
            position=step.position, total=positions(steps_of(session, ticket.id, step.round))))
    return awaiting_section(locale, items, more=max(0, total - AWAITING_LIMIT))


def my_delegation(session: Session, services: Services, user: str, locale: str) -> list[Block]:
    now = services.clock.now()
    found = delegates.current_and_upcoming(session, user, now)
    if not found and not _decides_approvals(session, services, user):
        return []
    names = services.locales.display_name
    rows = [_row(services, d, user, now, names, locale) for d in found]
    return delegation_section(locale, rows)


def approvals_in_flight(session: Session, services: Services, user: str, locale: str) -> list[Block]:
    if not services.config.is_admin(user):
        return []
    now = services.clock.now()
    total = session.scalar(select(func.count()).select_from(ApprovalStep).where(ApprovalStep.status == PENDING)) or 0
    if not total:
        return []
    steps = session.scalars(select(ApprovalStep).where(ApprovalStep.status == PENDING)
                            .order_by(ApprovalStep.due_at, ApprovalStep.id).limit(IN_FLIGHT_LIMIT))
    items = []
    for step in steps:
        ticket = session.get(Ticket, step.ticket_id)
        if ticket is None:
            continue
        items.append(InFlightItem(
            step_id=step.id, version=step.version, ticket_number=ticket.number,
            type_name=type_name(services, ticket, locale),
            approvers=" / ".join(services.locales.display_name(a) for a in step.approvers),
            since=local_time(services, step.requested_at, locale), overdue=bool(step.due_at and step.due_at <= now)))
    return in_flight_section(locale, items, total=total)


def _row(services: Services, d: Delegation, user: str, now, names, locale: str) -> DelegationRow:  # type: ignore[no-untyped-def]
    mine = d.delegator_id == user
    return DelegationRow(
        id=d.id, mine=mine, other=names(d.delegate_id if mine else d.delegator_id),
        starts=local_time(services, d.starts_at, locale), ends=local_time(services, d.ends_at, locale),
        active=d.starts_at <= now, note=d.reason,
        cancellable=user in (d.delegator_id, d.created_by) or services.config.is_admin(user))


def _decides_approvals(session: Session, services: Services, user: str) -> bool:
    """Everyone who is not an approver is spared an empty "My delegation" section."""
    return decides_approvals(session, services.config, user)
