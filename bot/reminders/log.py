"""Claiming a reminder in `reminder_log`: the one guard that makes "sent twice" impossible."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models import ReminderLog

APPROVAL, ESCALATION, FIRST_RESPONSE, ON_HOLD = "approval", "escalation", "first_response", "on_hold"


def claim(session: Session, kind: str, subject_id: int, seq: int, recipient: str, now: datetime) -> bool:
    """Insert (kind, subject, seq) in the caller's transaction; True for the one transaction that wins.

    RETURNING tells the winner (psycopg reports rowcount -1 for ON CONFLICT DO NOTHING). On PostgreSQL a
    concurrent insert of the same key waits for the other transaction and then loses; the message is
    enqueued in the same transaction, so a lost claim is a message never written."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(ReminderLog)
        .values(kind=kind, subject_id=subject_id, seq=seq, recipient=recipient[:64], sent_at=now)
        .on_conflict_do_nothing(index_elements=["kind", "subject_id", "seq"])
        .returning(ReminderLog.id)
    )
    return session.execute(stmt).first() is not None


def count(session: Session, kind: str, subject_id: int) -> int:
    return len(session.scalars(select(ReminderLog.id).where(ReminderLog.kind == kind,
                                                            ReminderLog.subject_id == subject_id)).all())
