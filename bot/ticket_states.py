"""The ticket's status machine (docs/ARCHITECTURE.md). Every move goes through `transition`, which refuses an
illegal one with InvalidTransition; each domain function adds its own guard (who may, from where).

    submitted → pending_approval → approved → in_progress → resolved → closed
                     ↘ sent_back ↗ (resubmit)   ↕ on_hold
                     ↘ rejected          withdrawn (by the requester, until resolved)
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.errors import InvalidTransition

SUBMITTED = "submitted"
PENDING_APPROVAL = "pending_approval"
APPROVED = "approved"
SENT_BACK = "sent_back"
REJECTED = "rejected"
IN_PROGRESS = "in_progress"
ON_HOLD = "on_hold"
RESOLVED = "resolved"
CLOSED = "closed"
WITHDRAWN = "withdrawn"

STATUSES = (SUBMITTED, PENDING_APPROVAL, APPROVED, SENT_BACK, REJECTED, IN_PROGRESS, ON_HOLD, RESOLVED, CLOSED,
            WITHDRAWN)
# On the department's desk and nobody has it yet.
UNCLAIMED = frozenset({SUBMITTED, APPROVED})
# On the desk: the triage card shows its buttons.
ON_DESK = frozenset({SUBMITTED, APPROVED, IN_PROGRESS, ON_HOLD})
FINAL = frozenset({CLOSED, REJECTED, WITHDRAWN})
WITHDRAWABLE = frozenset({SUBMITTED, PENDING_APPROVAL, APPROVED, SENT_BACK, IN_PROGRESS, ON_HOLD})

MOVES: dict[str, frozenset[str]] = {
    SUBMITTED: frozenset({PENDING_APPROVAL, IN_PROGRESS, ON_HOLD, RESOLVED, WITHDRAWN}),
    PENDING_APPROVAL: frozenset({APPROVED, SENT_BACK, REJECTED, WITHDRAWN}),
    SENT_BACK: frozenset({PENDING_APPROVAL, WITHDRAWN}),
    APPROVED: frozenset({IN_PROGRESS, ON_HOLD, RESOLVED, WITHDRAWN}),
    # A re-route puts the ticket back on the new desk unclaimed.
    IN_PROGRESS: frozenset({ON_HOLD, RESOLVED, WITHDRAWN, SUBMITTED, APPROVED}),
    ON_HOLD: frozenset({IN_PROGRESS, RESOLVED, WITHDRAWN, SUBMITTED, APPROVED}),
    RESOLVED: frozenset({CLOSED}),
    CLOSED: frozenset(),
    REJECTED: frozenset(),
    WITHDRAWN: frozenset(),
}


class HasStatus(Protocol):
    status: str
    version: int
    updated_at: datetime
    closed_at: datetime | None


def can_move(status: str, to_status: str) -> bool:
    return to_status in MOVES.get(status, frozenset())


def transition(ticket: HasStatus, to_status: str, action: str, at: datetime) -> None:
    """Move `ticket` to `to_status` at `at` or raise InvalidTransition: bumps its version, stamps
    updated_at, and closed_at when the move ends the ticket (FINAL) — the one place either is set."""
    if not can_move(ticket.status, to_status):
        raise InvalidTransition(ticket.status, action)
    ticket.status = to_status
    ticket.version = (ticket.version or 0) + 1
    ticket.updated_at = at
    if to_status in FINAL:
        ticket.closed_at = at


def require(ticket: HasStatus, allowed: frozenset[str] | set[str], action: str) -> None:
    """Guard for actions that may not change the status (assign, re-route within the desk)."""
    if ticket.status not in allowed:
        raise InvalidTransition(ticket.status, action)
