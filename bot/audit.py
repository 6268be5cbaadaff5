"""The audit trail (証跡): append-only, hash-chained events.

Each event's hash covers its content and the previous event's hash, so editing or deleting any
row breaks every hash after it; `verify` recomputes the chain and names the first broken event.
Appends take a row lock on the chain head so concurrent transactions still form one chain. On
PostgreSQL the table also refuses UPDATE and DELETE (migration 0003).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

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
    """Append one event in the caller's transaction."""
    head = session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    if head is None:
        # The very first event(s) on an empty database: concurrent transactions may all get here. Only
        # one insert wins (the others wait for it to commit, then insert nothing), and each then locks
        # the one head row like any later append.
        insert_ignore(session, AuditHead, {"id": 1, "last_event_id": None, "last_hash": GENESIS})
        head = session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()
                               .execution_options(populate_existing=True)).one()
    # The id is hashed, so it is chosen before the insert: the row is written once, already sealed
    # (audit_events refuses UPDATE on PostgreSQL). Appends are serialised by the head lock above
    # (SQLite: by its single writer), so max(id) + 1 cannot be taken twice.
    last_id = session.scalar(select(func.max(AuditEvent.id))) or 0
    event = AuditEvent(
        id=last_id + 1,
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
        prev_hash=head.last_hash,
    )
    event.hash = digest(event)
    session.add(event)
    session.flush()
    head.last_event_id = event.id
    head.last_hash = event.hash
    session.flush()
    return event


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
