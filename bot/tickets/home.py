"""The desk's App Home sections: "my requests" for everyone; for agents, what they hold and each of
their departments' queues — unclaimed (oldest first), on hold (whoever holds it), and open tickets
near or past their first-response or resolution due time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from bot.ticket_states import APPROVED, FINAL, IN_PROGRESS, ON_HOLD, SUBMITTED, UNCLAIMED
from bot.tickets import access, home_view
from bot.tickets.home_view import DepartmentQueue, Group, QueueRow
from bot.tickets.summary import facts, local_time
from bot.views.blocks import Block
from models import Ticket

if TYPE_CHECKING:
    from bot.services import Services

LIMIT = 8  # lines per list: the Home tab holds 100 blocks, shared with other sections
GROUP_LIMIT = 5  # rows per queue group with one department; fewer with several (home_view.QUEUE_BLOCKS)
# Open and on the desk with its SLA clock running (on hold, the clock is paused: not near anything).
RUNNING = (SUBMITTED, APPROVED, IN_PROGRESS)


def my_requests(session: Session, services: Services, user: str, locale: str, *, heading: bool = True) -> list[Block]:
    mine = (Ticket.requester_id == user) & Ticket.status.not_in(FINAL)
    total = session.scalar(select(func.count()).select_from(Ticket).where(mine)) or 0
    rows = session.scalars(select(Ticket).where(mine).order_by(Ticket.id.desc()).limit(LIMIT))
    return home_view.my_requests([facts(session, services, r, locale) for r in rows], locale,
                                   more=max(0, total - LIMIT), heading=heading)


def agent_queue(session: Session, services: Services, user: str, locale: str) -> list[Block]:
    config = services.config
    departments = [d for d in config.departments if user in access.agents(config, d.key)]
    assigned = [facts(session, services, r, locale) for r in session.scalars(
        select(Ticket).where(Ticket.assignee_id == user, Ticket.status.in_((IN_PROGRESS, ON_HOLD)))
        .order_by(Ticket.resolution_due).limit(LIMIT))]
    if not departments:
        return home_view.queue(assigned, [], locale)
    rows = _rows_per_group(len(departments))
    queues = [_department_queue(session, services, d.key, d.name.get(locale), rows, locale) for d in departments]
    return home_view.queue(assigned, queues, locale)


def _rows_per_group(departments: int) -> int:
    """Rows per group so the whole queue fits its share of the Home tab (each department: its name,
    three labels and three "+N more" lines, then rows; what the agent holds takes up to LIMIT + 3)."""
    spare = home_view.QUEUE_BLOCKS - (LIMIT + 3) - departments * 7
    return max(1, min(GROUP_LIMIT, spare // (3 * departments)))


def _department_queue(session: Session, services: Services, department: str, name: str, rows: int,
                      locale: str) -> DepartmentQueue:
    now, calendar = services.clock.now(), services.calendar
    horizon_hours = services.config.reminders.near_breach_business_hours
    horizon = calendar.add_business_hours(now, horizon_hours)

    def group(where: ColumnElement[bool], order: list[Any], row: Callable[[Ticket], QueueRow]) -> Group:
        scope = (Ticket.department == department) & where
        total = session.scalar(select(func.count()).select_from(Ticket).where(scope)) or 0
        found = session.scalars(select(Ticket).where(scope).order_by(*order).limit(rows))
        return Group([row(ticket) for ticket in found], total)

    def unclaimed(ticket: Ticket) -> QueueRow:
        return QueueRow(facts(session, services, ticket, locale),
                        age_hours=calendar.business_hours_between(ticket.created_at, now))

    def held(ticket: Ticket) -> QueueRow:
        return QueueRow(facts(session, services, ticket, locale),
                        held_since=local_time(services, ticket.sla_paused_at, locale))

    def near(ticket: Ticket) -> QueueRow:
        kind, due = _nearest_due(ticket, horizon)
        left = calendar.business_hours_between(now, due) if due > now else -calendar.business_hours_between(due, now)
        return QueueRow(facts(session, services, ticket, locale), due_kind=kind,
                        due_at=local_time(services, due, locale), due_in_hours=left)

    first_pending = Ticket.first_responded_at.is_(None) & (Ticket.first_response_due <= horizon)
    nearest = case((first_pending, Ticket.first_response_due), else_=Ticket.resolution_due)
    return DepartmentQueue(
        name=name,
        unclaimed=group(Ticket.status.in_(sorted(UNCLAIMED)), [Ticket.created_at, Ticket.id], unclaimed),
        on_hold=group(Ticket.status == ON_HOLD, [Ticket.sla_paused_at, Ticket.id], held),
        near_breach=group(Ticket.status.in_(RUNNING) & (first_pending | (Ticket.resolution_due <= horizon)),
                          [nearest, Ticket.id], near),
        horizon_hours=horizon_hours,
        day_hours=calendar.working_day_hours,
    )


def _nearest_due(ticket: Ticket, horizon: datetime) -> tuple[str, datetime]:
    """Which due time puts the ticket in the near-breach group: the first response while it is owed
    and due within the horizon, else the resolution."""
    first = ticket.first_response_due
    owed = ticket.first_responded_at is None and first is not None and first <= horizon
    if owed and first is not None and (ticket.resolution_due is None or first <= ticket.resolution_due):
        return "first_response", first
    assert ticket.resolution_due is not None
    return "resolution", ticket.resolution_due
