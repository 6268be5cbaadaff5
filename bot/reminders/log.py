"""Claiming a reminder in `reminder_log`: the one guard that makes "sent twice" impossible."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ReminderLog
from models.db import insert_ignore

APPROVAL, ESCALATION, FIRST_RESPONSE, ON_HOLD = "approval", "escalation", "first_response", "on_hold"


def claim(session: Session, kind: str, subject_id: int, seq: int, recipient: str, now: datetime) -> bool:
    """Insert (kind, subject, seq) in the caller's transaction; True for the one transaction that wins.
    The message is enqueued in the same transaction, so a lost claim is a message never written."""
    return insert_ignore(session, ReminderLog, {"kind": kind, "subject_id": subject_id, "seq": seq,
                                                "recipient": recipient[:64], "sent_at": now})


def count(session: Session, kind: str, subject_id: int) -> int:
    return len(session.scalars(select(ReminderLog.id).where(ReminderLog.kind == kind,
                                                            ReminderLog.subject_id == subject_id)).all())
