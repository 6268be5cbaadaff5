"""Events API de-duplication: Slack retries repeat the top-level event_id."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from models import ProcessedEvent
from models.db import insert_ignore

KEEP_FOR = timedelta(days=7)  # Slack's last retry comes ~5 minutes after the first delivery

# Handling these twice changes nothing (an App Home refresh is coalesced and re-renders current
# state), so they skip the de-duplication record and, when nothing else is written, the write lock.
IDEMPOTENT = frozenset({"app_home_opened"})


def first_delivery(session: Session, event_id: str, event_type: str, at: datetime) -> bool:
    """Record the event; False when it was already recorded (a retry, or a concurrent duplicate)."""
    return insert_ignore(
        session, ProcessedEvent, {"event_id": event_id, "event_type": event_type[:64], "received_at": at}
    )


def forget_old(session: Session, now: datetime) -> int:
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < now - KEEP_FOR))
    return int(result.rowcount or 0)
