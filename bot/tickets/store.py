"""Finding tickets, and the names under which their Slack messages are remembered."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot import audit
from bot.errors import NotFound
from models import OutboxMessage, Ticket

REROUTED = "ticket.rerouted"


def get(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"ticket {ticket_id}")
    return ticket


def lock(session: Session, ticket_id: int) -> Ticket:
    """The ticket, row-locked until the transaction ends (PostgreSQL; SQLite writers are serialised
    by BEGIN IMMEDIATE), so two clicks on one card decide one after the other."""
    # FOR NO KEY UPDATE: the id never changes, so rows that only reference the ticket (audit events, outbox
    # messages, steps) may still be inserted by others meanwhile; FOR UPDATE would wait on their key-share locks.
    query = select(Ticket).where(Ticket.id == ticket_id).with_for_update(key_share=True)
    ticket = session.scalar(query.execution_options(populate_existing=True))
    if ticket is None:
        raise NotFound(f"ticket {ticket_id}")
    return ticket


def by_submission(session: Session, key: str) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.submission_key == key))


def first_copy(session: Session, key: str) -> Ticket | None:
    """The ticket an earlier copy of this submission (a double click, Slack's retry) created, else None; on
    PostgreSQL copies racing each other wait here for the first one's transaction, so only it takes a ticket
    number (numbers are taken outside the transaction there: bot/tickets/numbering.py)."""
    if session.get_bind().dialect.name == "postgresql":
        # Held to the end of this transaction; different submissions never wait for each other (a 64-bit hash).
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})
    return by_submission(session, key)


def children(session: Session, ticket: Ticket) -> list[Ticket]:
    return list(session.scalars(select(Ticket).where(Ticket.parent_id == ticket.id).order_by(Ticket.id)))


def receipt_ref(ticket: Ticket) -> str:
    return f"ticket:{ticket.id}:receipt"


def card_ref(session: Session, ticket: Ticket) -> str:
    """The triage card on the ticket's current desk: a re-route posts a new card under a new name, so
    updates never land on the previous department's card."""
    moves = len(audit.events(session, action=REROUTED, ticket_id=ticket.id))
    return f"ticket:{ticket.id}:card" + (f":{moves}" if moves else "")


def source_ref(ticket: Ticket) -> str:
    """The Slack message a ticket was made from (🎫, message shortcut): replies go to its thread."""
    return f"ticket:{ticket.id}:source"


def hold_ref(ticket: Ticket) -> str:
    return f"ticket:{ticket.id}:hold:{ticket.version}"


def rating_ref(ticket: Ticket) -> str:
    return f"ticket:{ticket.id}:rating"


def posted(session: Session, ref: str) -> bool:
    """Was a message enqueued under `ref`? (An update waits for its post; never target one that won't come.)"""
    return session.scalar(select(OutboxMessage.id).where(OutboxMessage.ref == ref).limit(1)) is not None
