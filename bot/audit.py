"""The audit trail (証跡): append-only, hash-chained events.

Each event's hash covers its content and the previous event's hash, so editing or deleting any
row breaks every hash after it; `verify` recomputes the chain and names the first broken event.
On PostgreSQL the table also refuses UPDATE and DELETE (migrations 0003, 0016), but for the seal.

An event is written in the caller's transaction, unsealed, and sealed (given its place in the chain
`seq`, its predecessor's hash and its own) by whoever holds the chain head: the committing transaction
itself when the head is free (always on SQLite, whose single writer serialises everything anyway), else
the `Sealer` running in every process, within a second. The head is never waited for on a request's
path: the month soak found every audited write in the company queueing on that one row lock behind a
holder whose process was waiting for a CPU, until submissions ran past their 2 s deadline. The chain's
order is the order of sealing; an event sealed in the order it was written (as before 0016) hashes as
it did then. Between commit and seal an event is outside the chain; PostgreSQL's trigger still refuses
any change to its content, and `madoguchi audit verify` seals what is left before it checks.
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
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from models import AuditEvent, AuditHead
from models.db import insert_ignore

GENESIS = "0" * 64


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
    # Written with the transaction (a savepoint's events roll back with it); sealed as it commits.
    session.add(event)
    _watch_commits()
    session.info[_WROTE] = True
    return event


def events(session: Session, *, action: str, ticket_id: int | None = None,
           subject: str | None = None) -> list[AuditEvent]:
    """The events of one kind in the order written, this transaction's own included."""
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    if ticket_id is not None:
        query = query.where(AuditEvent.ticket_id == ticket_id)
    if subject is not None:
        query = query.where(AuditEvent.subject == subject)
    return list(session.scalars(query))


_WROTE = "audit.wrote"
# Sealed in one go at most; the sealer comes back for the rest at once.
SEAL_BATCH = 500


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
    if event.seq != event.id:
        # Sealed out of the order written (or after an id was skipped): its place is hashed too. An event
        # whose place is its id hashes exactly as every event did before 0016.
        body["seq"] = event.seq
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def digest(event: AuditEvent) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def seal_pending(session: Session, *, wait: bool) -> int:
    """Seal the unsealed events, oldest written first, in the caller's transaction (up to SEAL_BATCH);
    how many. `wait=False` (a committing request): when another transaction holds the chain head, seal
    nothing and return at once; the holder or the Sealer takes them."""
    if unsealed(session) == 0:
        return 0  # the common case of the sealer's rounds: no lock taken
    head = _lock_head(session, wait=wait)
    if head is None:
        return 0
    pending = list(session.scalars(select(AuditEvent).where(AuditEvent.hash.is_(None))
                                   .order_by(AuditEvent.id).limit(SEAL_BATCH)))
    if not pending:
        return 0
    seq = head.last_seq if head.last_seq is not None else (
        session.scalar(select(func.max(AuditEvent.seq))) or 0)
    previous = head.last_hash
    for event in pending:
        seq += 1
        event.seq, event.prev_hash = seq, previous
        event.hash = previous = digest(event)
    head.last_event_id, head.last_seq, head.last_hash = pending[-1].id, seq, previous
    # One executemany for the events (the only UPDATE audit_events allows: the seal's columns, once) and the head.
    session.flush()
    return len(pending)


def seal_everything(session_factory: sessionmaker[Session]) -> int:
    """Seal every event written so far, batch by batch, each in a transaction of its own; how many."""
    total = 0
    while True:
        with session_factory() as session, session.begin():
            sealed = seal_pending(session, wait=True)
        total += sealed
        if sealed < SEAL_BATCH:
            return total


def _lock_head(session: Session, *, wait: bool) -> AuditHead | None:
    # populate_existing: a session kept across transactions (expire_on_commit=False) may hold the head as it
    # was; the locked row's values are the ones to chain to.
    def locked() -> AuditHead | None:
        return session.scalar(select(AuditHead).where(AuditHead.id == 1)
                              .with_for_update(skip_locked=not wait)
                              .execution_options(populate_existing=True))

    head = locked()
    if head is not None:
        return head
    if session.scalar(select(func.count()).select_from(AuditHead)):
        return None  # it exists: someone else holds it
    # The very first seal on an empty database: concurrent transactions may all get here. Only one insert
    # wins (the others wait for it to commit, then insert nothing), and each then tries the row as usual.
    insert_ignore(session, AuditHead, {"id": 1, "last_event_id": None, "last_seq": None, "last_hash": GENESIS})
    return locked()


def _seal_on_commit(session: Session) -> None:
    if session.info.pop(_WROTE, None):
        session.flush()  # the transaction's own events (and the rest of its writes) are in before the seal
        while seal_pending(session, wait=False) == SEAL_BATCH:
            pass


def _forget_on_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended (committed, rolled back or closed)
        session.info.pop(_WROTE, None)


def _watch_commits() -> None:
    """Session-wide hooks, installed by the first event recorded (idempotent): every session that wrote an
    event tries to seal as it commits, whichever factory made it."""
    if not orm_event.contains(Session, "before_commit", _seal_on_commit):
        orm_event.listen(Session, "before_commit", _seal_on_commit)
        orm_event.listen(Session, "after_transaction_end", _forget_on_end)


@dataclass(frozen=True)
class Break:
    event_id: int
    problem: str


def verify(session: Session, batch: int = 5000) -> Break | None:
    """Recompute the chain from its first event; the first inconsistency, or None when intact. Events not
    sealed yet are not in the chain (`seal_pending` first, as `madoguchi audit verify` does)."""
    previous = GENESIS
    last_seq, last_id = 0, 0
    for event in _sealed(session, batch):
        if event.prev_hash != previous or event.seq != last_seq + 1:
            return Break(event.id, "prev_hash does not match the previous event (a row was removed or changed)")
        if digest(event) != event.hash:
            return Break(event.id, "content does not match its hash (the row was edited)")
        previous, last_seq, last_id = event.hash, event.seq, event.id
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_hash != previous or (head.last_seq or 0) != last_seq):
        return Break(last_id, "the chain head does not point at the last event (events were removed)")
    return None


def unsealed(session: Session) -> int:
    """Events written but not sealed yet (this transaction's own included): a handful for a second under
    contention; more means no process is sealing (no `serve` or `scheduler` running)."""
    return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.hash.is_(None))) or 0


def _sealed(session: Session, batch: int) -> Iterator[AuditEvent]:
    after = 0
    while True:
        rows = list(session.scalars(select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq)
                                    .limit(batch)))
        if not rows:
            return
        yield from rows
        after = rows[-1].seq
        session.expunge_all()
