"""The ticket side of an approval: status moves through the ticket's state machine (bot/ticket_states.py),
each audited, and the hand-over to the department's triage desk after the final approval."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot import audit
from bot.ticket_states import transition
from bot.tickets import notify as receipts
from bot.tickets.submit import route_to_triage
from models import Ticket

if TYPE_CHECKING:
    from bot.services import Services


def move(session: Session, services: Services, ticket: Ticket, to_status: str, action: str, actor: str, *,
         reason: str | None = None, on_behalf_of: str | None = None, extra: dict[str, Any] | None = None) -> None:
    """One guarded transition (InvalidTransition when illegal) plus its audit event."""
    before = ticket.status
    now = services.clock.now()
    transition(ticket, to_status, action, now)
    audit.record(session, actor=actor, on_behalf_of=on_behalf_of, action=f"ticket.{action}",
                 subject=f"ticket:{ticket.id}", ticket_id=ticket.id, before={"status": before},
                 after={"status": to_status, **(extra or {})}, reason=reason, at=now)


def hand_to_triage(session: Session, services: Services, ticket: Ticket, actor: str) -> None:
    route_to_triage(session, services, ticket, actor)


def update_receipt(session: Session, services: Services, ticket: Ticket) -> None:
    """The requester's receipt DM (owned by bot/tickets) shows the ticket's new status."""
    receipts.update_receipt(session, services, ticket)
