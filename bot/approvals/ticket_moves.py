"""The ticket side of an approval: status moves through intake's state machine, each audited,
and the hand-over to the department's triage desk after the final approval."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot import audit
from models import Ticket

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


def move(session: Session, services: Services, ticket: Ticket, to_status: str, action: str, actor: str, *,
         reason: str | None = None, on_behalf_of: str | None = None, extra: dict[str, Any] | None = None) -> None:
    """One guarded transition (InvalidTransition when illegal) plus its audit event."""
    before = ticket.status
    _transition()(ticket, to_status, action)
    now = services.clock.now()
    if to_status in ("rejected", "withdrawn", "closed"):
        ticket.closed_at = now
    audit.record(session, actor=actor, on_behalf_of=on_behalf_of, action=f"ticket.{action}",
                 subject=f"ticket:{ticket.id}", ticket_id=ticket.id, before={"status": before},
                 after={"status": to_status, **(extra or {})}, reason=reason, at=now)


# Approvals' own moves, used only while intake's state machine (bot/ticket_states.py) is absent.
_APPROVAL_MOVES = {
    "submitted": {"pending_approval"},
    "pending_approval": {"sent_back", "rejected", "approved", "withdrawn"},
    "sent_back": {"pending_approval", "withdrawn"},
}


def _transition() -> Any:
    try:
        from bot.ticket_states import transition
    except ImportError:
        return _fallback_transition
    return transition


def _fallback_transition(ticket: Ticket, to_status: str, action: str) -> None:
    from bot.errors import InvalidTransition

    if to_status not in _APPROVAL_MOVES.get(ticket.status, set()):
        raise InvalidTransition(ticket.status, action)
    ticket.status = to_status


def hand_to_triage(session: Session, services: Services, ticket: Ticket, actor: str) -> None:
    try:
        from bot.tickets import route_to_triage
    except ImportError:  # intake's desk not installed yet: the ticket waits as approved
        log.warning("bot.tickets.route_to_triage missing; %s stays approved", ticket.number)
        return
    route_to_triage(session, services, ticket, actor)


def update_receipt(session: Session, services: Services, ticket: Ticket) -> None:
    """The requester's receipt DM (owned by bot/tickets) shows the ticket's new status."""
    try:
        from bot.tickets.notify import update_receipt as update
    except ImportError:  # intake's desk not installed: there is no receipt to update
        return
    update(session, services, ticket)
