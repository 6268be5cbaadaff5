"""The audit trail (証跡): append-only, hash-chained events.

Each event's hash covers its content and the previous event's hash, so editing or deleting any
row breaks every hash after it; `verify` recomputes the chain and names the first broken event.
On PostgreSQL the table also refuses UPDATE and DELETE (migration 0003).

An event is recorded in the caller's transaction but sealed (given its id, its predecessor's hash and
its own) as that transaction commits, under a row lock on the chain head: concurrent transactions still
form one chain, in commit order, and the lock is held for the commit only. Held from the first event to
the end of the request, it made every audited write in the company wait behind the slowest open one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event as orm_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session, SessionTransaction

from models import AuditEvent, AuditHead
from models.db import insert_ignore

GENESIS = "0" * 64


def canonical(event: AuditEvent) -> bytes:
    body = {
        "id": event.id,
        "ticket_id": event.ticket_id,
        "subject": event.subject,
        "actor_id": event.actor_id,
        "on_behalf_of": event.on_behalf_of,
        "action": event.action,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "at": event.at.isoformat(timespec="microseconds"),
        "prev_hash": event.prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def digest(event: AuditEvent) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    at: datetime,
    ticket_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    on_behalf_of: str | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction: written, or dropped, with it."""
    event = AuditEvent(
        ticket_id=ticket_id,
        subject=subject,
        actor_id=actor,
        on_behalf_of=on_behalf_of,
        action=action,
        before=before,
        after=after,
        reason=reason,
        # Hashed as stored: UTC, so the value read back during verify hashes the same.
        at=at.astimezone(UTC),
    )
    if session.in_nested_transaction():
        # A savepoint may roll back alone; sealing now keeps the event inside it (and holds the head
        # lock to the end, as a rare path may).
        _seal(session, [event])
        return event
    _watch_commits()
    session.info.setdefault(_PENDING, []).append(event)
    return event


def events(session: Session, *, action: str, ticket_id: int | None = None,
           subject: str | None = None) -> list[AuditEvent]:
    """The events of one kind, oldest first: those committed, then this transaction's own not yet sealed."""
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    if ticket_id is not None:
        query = query.where(AuditEvent.ticket_id == ticket_id)
    if subject is not None:
        query = query.where(AuditEvent.subject == subject)
    own = [e for e in session.info.get(_PENDING, ()) if e.action == action
           and (ticket_id is None or e.ticket_id == ticket_id) and (subject is None or e.subject == subject)]
    return [*session.scalars(query), *own]


_PENDING = "audit.unsealed"


def _seal(session: Session, pending: list[AuditEvent]) -> None:
    # populate_existing: a session kept across transactions (expire_on_commit=False) may hold the head as it
    # was; the locked row's values are the ones to chain to.
    head = session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update()
                          .execution_options(populate_existing=True))
    if head is None:
        # The very first event(s) on an empty database: concurrent transactions may all get here. Only
        # one insert wins (the others wait for it to commit, then insert nothing), and each then locks
        # the one head row like any later append.
        insert_ignore(session, AuditHead, {"id": 1, "last_event_id": None, "last_hash": GENESIS})
        head = session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()
                               .execution_options(populate_existing=True)).one()
    # The id is hashed, so it is chosen before the insert: the row is written once, already sealed
    # (audit_events refuses UPDATE on PostgreSQL). Appends are serialised by the head lock above
    # (SQLite: by its single writer), so the head's last id + 1 cannot be taken twice. (max(id) only for a head
    # that names no event yet: the first append.)
    last_id = head.last_event_id if head.last_event_id is not None else (
        session.scalar(select(func.max(AuditEvent.id))) or 0)
    previous = head.last_hash
    for offset, event in enumerate(pending, start=1):
        event.id = last_id + offset
        event.prev_hash = previous
        event.hash = previous = digest(event)
        session.add(event)
    head.last_event_id = pending[-1].id
    head.last_hash = previous
    session.flush()  # the events and the head in one flush: no Python work between them under the lock


def _seal_on_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        # The transaction's own writes first (they would otherwise be flushed by the commit, after the seal):
        # the head lock is held for the seal and the commit only, the one place every audited write queues.
        session.flush()
        _seal(session, pending)


def _forget_on_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended (committed, rolled back or closed)
        session.info.pop(_PENDING, None)


def _watch_commits() -> None:
    """Session-wide hooks, installed by the first event recorded (idempotent): no session can commit, or
    drop, unsealed events without them, whichever factory made it."""
    if not orm_event.contains(Session, "before_commit", _seal_on_commit):
        orm_event.listen(Session, "before_commit", _seal_on_commit)
        orm_event.listen(Session, "after_transaction_end", _forget_on_end)


@dataclass(frozen=True)
class Break:
    event_id: int
    problem: str


def verify(session: Session, batch: int = 5000) -> Break | None:
    """Recompute the chain from the first event; the first inconsistency, or None when intact."""
    previous = GENESIS
    last_id = 0
    for event in _events(session, batch):
        if event.prev_hash != previous:
            return Break(event.id, "prev_hash does not match the previous event (a row was removed or changed)")
        if digest(event) != event.hash:
            return Break(event.id, "content does not match its hash (the row was edited)")
        previous = event.hash
        last_id = event.id
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_hash != previous or (head.last_event_id or 0) != last_id):
        return Break(last_id, "the chain head does not point at the last event (events were removed)")
    return None


def _events(session: Session, batch: int) -> Iterator[AuditEvent]:
    after = 0
    while True:
        rows = list(session.scalars(select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id)
                                    .limit(batch)))
        if not rows:
            return
        yield from rows
        after = rows[-1].id
        session.expunge_all()
