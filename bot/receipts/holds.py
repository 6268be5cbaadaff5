"""Legal holds (訴訟・税務調査のための保存延長): a request's receipt records kept past their retention end while a
hold is placed. A hold is a step, never an edit: placing and lifting are rows in `receipt_holds` and events in
the audit chain; the newest step decides. PostgreSQL refuses to delete a held record (migration 0013)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import audit
from models import ReceiptHold, Ticket

PLACED, RELEASED = "placed", "released"


class HoldProblem(ValueError):
    """The hold cannot be placed or lifted as asked (an unknown request, already held, not held)."""


@dataclass(frozen=True)
class Held:
    ticket: str
    since: datetime
    by: str
    reason: str


def state(session: Session, ticket_id: int) -> str:
    newest = session.scalar(select(ReceiptHold.action).where(ReceiptHold.ticket_id == ticket_id)
                            .order_by(ReceiptHold.id.desc()).limit(1))
    return newest or RELEASED


def _step(session: Session, number: str, action: str, actor: str, reason: str, now: datetime) -> Ticket:
    ticket = session.scalar(select(Ticket).where(Ticket.number == number.strip().upper()))
    if ticket is None:
        raise HoldProblem(f"no request {number}")
    if not reason.strip():
        raise HoldProblem("a hold needs a reason (e.g. the audit or the dispute it is for)")
    if state(session, ticket.id) == action:
        raise HoldProblem(f"{ticket.number} is {'already held' if action == PLACED else 'not held'}")
    session.add(ReceiptHold(ticket_id=ticket.id, action=action, actor=actor, reason=reason.strip()[:500], at=now))
    audit.record(session, actor=actor, action=f"receipt.hold_{action}", subject=f"ticket:{ticket.id}",
                 ticket_id=ticket.id, at=now, reason=reason.strip()[:500])
    return ticket


def place(session: Session, number: str, *, actor: str, reason: str, now: datetime) -> Ticket:
    return _step(session, number, PLACED, actor, reason, now)


def release(session: Session, number: str, *, actor: str, reason: str, now: datetime) -> Ticket:
    return _step(session, number, RELEASED, actor, reason, now)


def active(session: Session) -> list[Held]:
    newest = (select(func.max(ReceiptHold.id)).group_by(ReceiptHold.ticket_id)).scalar_subquery()
    rows = session.execute(select(ReceiptHold, Ticket.number).join(Ticket, Ticket.id == ReceiptHold.ticket_id)
                           .where(ReceiptHold.id.in_(newest), ReceiptHold.action == PLACED)
                           .order_by(ReceiptHold.at))
    return [Held(number, hold.at, hold.actor, hold.reason) for hold, number in rows]
