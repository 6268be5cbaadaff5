"""Every reminder, ping and escalation the bot sent: one row each, and never two for the same thing.

The unique (kind, subject_id, seq) row is claimed in the transaction that enqueues the message, so
two replicas sweeping at once cannot both send "reminder #2 for step 17": the loser's insert finds
the row and it sends nothing. The rows double as the history behind "reminded ×2, escalated to …"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class ReminderLog(Base):
    __tablename__ = "reminder_log"
    __table_args__ = (
        UniqueConstraint("kind", "subject_id", "seq"),
        Index("ix_reminder_log_sent_at", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), doc="approval | escalation | first_response | on_hold")
    subject_id: Mapped[int] = mapped_column(doc="approval step id or ticket id, by kind")
    seq: Mapped[int] = mapped_column(doc="1, 2, … per subject (on_hold: the hold's start as epoch seconds)")
    recipient: Mapped[str] = mapped_column(String(64), doc="Slack user or channel id told")
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
