"""The audit trail (証跡): append-only events, each carrying the hash of the one before it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_ticket_id", "ticket_id"),
        Index("ix_audit_events_at", "at"),
        # The sealer's "what is left to seal": a handful of rows at most, whatever the trail's size.
        Index("ix_audit_events_unsealed", "id", sqlite_where=text("hash IS NULL"),
              postgresql_where=text("hash IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    subject: Mapped[str] = mapped_column(String(64), doc="what changed, e.g. ticket:12 or step:40")
    actor_id: Mapped[str] = mapped_column(String(32), doc="Slack user id, or 'system'")
    on_behalf_of: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column()
    after: Mapped[dict[str, Any] | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set once, by the seal (bot/audit.py): the place in the chain, the previous event's hash and this one's.
    # NULL between the event's commit and its seal (normally the same commit; under contention a second).
    seq: Mapped[int | None] = mapped_column(unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The chain's tip: one row, locked while appending so concurrent writers form one chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_event_id: Mapped[int | None]
    last_seq: Mapped[int | None]
    last_hash: Mapped[str] = mapped_column(String(64))
