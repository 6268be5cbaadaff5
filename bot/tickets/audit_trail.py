"""One audit event per ticket transition (証跡), in the transition's transaction.

The trail is read by admins and auditors only (CLI export), so it keeps the words of a confidential
ticket too: what was asked and answered is part of the evidence."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot import audit
from models import Ticket

if TYPE_CHECKING:
    from bot.services import Services


def record(session: Session, services: Services, ticket: Ticket, actor: str, action: str, *,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           reason: str | None = None) -> None:
    audit.record(session, actor=actor, action=f"ticket.{action}", subject=f"ticket:{ticket.id}",
                 ticket_id=ticket.id, before=before, after=after, reason=reason, at=services.clock.now())
