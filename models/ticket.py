"""Tickets (問い合わせ・申請) and the per-department counters that number them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("department", "seq"),
        Index("ix_tickets_department_status", "department", "status"),
        Index("ix_tickets_requester_status", "requester_id", "status"),
        # A ticket's follow-ups (an onboarding's account request), read on every card render.
        Index("ix_tickets_parent_id", "parent_id"),
        # The reminder sweeps: unclaimed past first-response due, on hold for a while.
        Index("ix_tickets_status_first_response_due", "status", "first_response_due"),
        Index("ix_tickets_status_sla_paused_at", "status", "sla_paused_at"),
        # The weekly digest (bot/digest/desk_counts.py, numbers.py): a range on the leading instant, the
        # other columns there so the week's GROUP BY is answered from the index alone, without visiting
        # ~20,000 table rows per week at a million tickets.
        Index("ix_tickets_created_at_covering", "created_at", "department", "status", "request_type"),
        Index("ix_tickets_resolved_at_covering", "resolved_at", "department", "status", "created_at", "satisfaction"),
        Index("ix_tickets_closed_at_covering", "closed_at", "resolved_at", "department", "status", "created_at"),
        Index("ix_tickets_first_responded_at_covering", "first_responded_at", "department", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    department: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int]
    request_type: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    requester_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), default="submitted")
    assignee_id: Mapped[str | None] = mapped_column(String(32))
    confidential: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str] = mapped_column(String(8), default="ja")
    # Idempotency: Slack retries and double submits carry the same key, so one submission is one ticket.
    submission_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    first_response_due: Mapped[datetime | None]
    resolution_due: Mapped[datetime | None]
    first_responded_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    sla_paused_at: Mapped[datetime | None]
    resolution_note: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[int | None]
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    parent: Mapped[Ticket | None] = relationship(remote_side=[id])


class DepartmentCounter(Base):
    """Next sequence number per department; incremented under a row lock so numbers never repeat."""

    __tablename__ = "department_counters"

    department: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)
