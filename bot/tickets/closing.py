"""Resolved tickets the requester never rated close by themselves (自動クローズ), so "resolved" does
not pile up as open work in the desk's numbers and the requester's App Home.

After `sla.close_unrated_after_hours` business hours (per request type) the ticket moves to closed
with an audit event by "system"; the requester is told, and the rating buttons they already have keep
working (a late rating is recorded on the closed ticket)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ticket_states import CLOSED, RESOLVED, transition
from bot.tickets import notify, store
from bot.tickets.audit_trail import record
from models import Ticket

if TYPE_CHECKING:
    from bot.services import Services

SYSTEM = "system"
BATCH = 500  # per run; the rest close on the next run


def close_after_hours(services: Services, ticket: Ticket) -> float:
    rt = services.config.request_type(ticket.request_type)
    return rt.sla.close_unrated_after_hours if rt else 40.0


def due_to_close(session: Session, services: Services, now: datetime) -> list[int]:
    """Ids of resolved, unrated tickets whose rating wait is over."""
    hours = [rt.sla.close_unrated_after_hours for rt in services.config.request_types] or [40.0]
    # A business hour is never shorter than a wall-clock hour: nothing resolved later than this can be due.
    newest = now - timedelta(hours=min(hours))
    rows = session.execute(select(Ticket.id, Ticket.request_type, Ticket.resolved_at)
                           .where(Ticket.status == RESOLVED, Ticket.resolved_at <= newest)
                           .order_by(Ticket.resolved_at).limit(BATCH))
    due = []
    for ticket_id, type_key, resolved_at in rows:
        rt = services.config.request_type(type_key)
        after = rt.sla.close_unrated_after_hours if rt else 40.0
        if services.calendar.add_business_hours(resolved_at, after) <= now:
            due.append(ticket_id)
    return due


def close_unrated(session: Session, services: Services, ticket_id: int, now: datetime) -> bool:
    """Close one resolved ticket nobody rated; False when it changed meanwhile (rated, or closed by another run)."""
    ticket = store.lock(session, ticket_id)
    if ticket.status != RESOLVED:
        return False
    transition(ticket, CLOSED, "auto_close", now)
    ticket.updated_at = now
    record(session, services, ticket, SYSTEM, "closed", before={"status": RESOLVED},
           after={"status": CLOSED, "satisfaction": None},
           reason=f"not rated within {close_after_hours(services, ticket):g} business hours")
    notify.changed(session, services, ticket)
    notify.tell_requester(session, services, ticket, "auto_closed")
    return True
