"""The transactional outbox: Slack messages written with the state change that caused them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        # The dispatcher's hot query: the oldest undelivered message per delivery lane.
        Index("ix_outbox_status_lane_id", "status", "lane", "id"),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        # Lookups by name: "was this card posted" (=) and an approval step's copies (LIKE 'approval:12:%').
        # text_pattern_ops lets PostgreSQL answer the prefix from the index whatever the database's collation.
        Index("ix_outbox_ref", "ref", postgresql_ops={"ref": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    method: Mapped[str] = mapped_column(String(64), doc="Web API method, or home.refresh")
    lane: Mapped[str] = mapped_column(String(64), doc="messages in one lane are delivered in order")
    payload: Mapped[dict[str, Any]] = mapped_column()
    ref: Mapped[str | None] = mapped_column(String(128), doc="remember the posted message under this name")
    target_ref: Mapped[str | None] = mapped_column(String(128), doc="update the message remembered so")
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", doc="pending|sending|sent|dead")
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=8)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(
        doc="wall time: a lease is measured on the real clock, whatever clock the services run on")
    attempt_started_at: Mapped[datetime | None] = mapped_column(
        doc="when the attempt in flight was claimed, on the services clock (a lookup's lower bound)")
    unsure_since: Mapped[datetime | None] = mapped_column(
        doc="an attempt since this time may have been posted (answer lost): look in Slack before posting")
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column()
    is_alert: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class SlackMessageRef(Base):
    """Where a posted message ended up, so later updates can find it (e.g. a ticket's triage card)."""

    __tablename__ = "slack_message_refs"

    ref: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class LaneThrottle(Base):
    """When a lane may send again: Slack allows about one message per second per channel."""

    __tablename__ = "outbox_lanes"

    lane: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_send_at: Mapped[datetime] = mapped_column(default=utcnow)
