"""The desk's App Home sections: "my requests" for everyone, "queue" for department agents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.home import add_section
from bot.ticket_states import FINAL, UNCLAIMED
from bot.tickets import access
from bot.tickets.summary import facts
from bot.views import ticket_home
from bot.views.blocks import Block
from models import Ticket

if TYPE_CHECKING:
    from bot.services import Services

LIMIT = 8  # lines per list: the Home tab holds 100 blocks, shared with other sections


@add_section
def my_requests(session: Session, services: Services, user: str, locale: str) -> list[Block]:
    mine = (Ticket.requester_id == user) & Ticket.status.not_in(FINAL)
    total = session.scalar(select(func.count()).select_from(Ticket).where(mine)) or 0
    rows = session.scalars(select(Ticket).where(mine).order_by(Ticket.id.desc()).limit(LIMIT))
    return ticket_home.my_requests([facts(session, services, r, locale) for r in rows], locale,
                                   more=max(0, total - LIMIT))


@add_section
def agent_queue(session: Session, services: Services, user: str, locale: str) -> list[Block]:
    departments = [d.key for d in services.config.departments if access.may_work(services.config, d.key, user)]
    if not departments:
        return []
    waiting = Ticket.department.in_(departments) & Ticket.status.in_(UNCLAIMED)
    total = session.scalar(select(func.count()).select_from(Ticket).where(waiting)) or 0
    unclaimed = session.scalars(select(Ticket).where(waiting).order_by(Ticket.id).limit(LIMIT))
    assigned = session.scalars(select(Ticket).where(Ticket.assignee_id == user, Ticket.status.in_(
        ("in_progress", "on_hold"))).order_by(Ticket.resolution_due).limit(LIMIT))
    return ticket_home.queue([facts(session, services, r, locale) for r in unclaimed],
                             [facts(session, services, r, locale) for r in assigned], locale, unclaimed_total=total)
