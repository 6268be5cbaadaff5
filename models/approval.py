"""Approval chains (稟議): one row per step, and absence delegations (代理承認)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class ApprovalStep(Base):
    __tablename__ = "approval_steps"
    __table_args__ = (
        UniqueConstraint("ticket_id", "round", "position", "part"),
        # The reminder sweep's query: pending steps whose SLA has passed, oldest first.
        Index("ix_approval_steps_status_due_at", "status", "due_at"),
        Index("ix_approval_steps_ticket_id", "ticket_id"),
        # App Home: has this person ever decided a step (bot/approvals/home.py).
        Index("ix_approval_steps_decided_by", "decided_by"),
        # The reminder sweep (bot/approvals/reminders.py), both of its index range scans:
        # pending + next_reminder_at <= now (later reminders), pending + NULL + due_at <= now (the first).
        Index("ix_approval_steps_reminder_sweep", "status", "next_reminder_at", "due_at"),
        # The weekly digest: decisions taken in a week, read from the index alone.
        Index("ix_approval_steps_decided_at_covering", "decided_at", "status", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    round: Mapped[int] = mapped_column(default=1, doc="grows by one on each resubmission after a send-back")
    position: Mapped[int] = mapped_column(doc="order within the chain, from 1")
    rule: Mapped[str] = mapped_column(String(200), doc="the rule that produced this step, for explanations")
    part: Mapped[int] = mapped_column(default=1, server_default="1", doc=(
        "合議 and 回付: one row per member at this position, numbered from 1 (1 when one group decides)"))
    mode: Mapped[str] = mapped_column(String(8), default="any", server_default="any", doc=(
        "any: any one of the approvers decides; all: 合議, every part at this position must approve; "
        "fyi: 回付, the approvers are informed and nobody decides"))
    approvers: Mapped[list[Any]] = mapped_column(doc="Slack ids; any one of them may decide")
    status: Mapped[str] = mapped_column(String(16), default="waiting", doc=(
        "waiting|pending|approved|sent_back|rejected|skipped|cancelled; 回付: informed|acknowledged"))
    version: Mapped[int] = mapped_column(default=1, doc="compare-and-set guard for decisions")
    requested_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(32))
    on_behalf_of: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    fields_to_fix: Mapped[list[Any]] = mapped_column(default=list)
    reminder_count: Mapped[int] = mapped_column(default=0)
    last_reminded_at: Mapped[datetime | None]
    escalated_to: Mapped[str | None] = mapped_column(String(32))
    next_reminder_at: Mapped[datetime | None] = mapped_column(
        doc="when the reminder sweep looks at this step again; NULL until its first reminder (due_at rules)")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delegation(Base):
    __tablename__ = "delegations"
    __table_args__ = (
        Index("ix_delegations_delegator_id_ends_at", "delegator_id", "ends_at"),
        Index("ix_delegations_delegate_id_ends_at", "delegate_id", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    delegator_id: Mapped[str] = mapped_column(String(32), doc="the absent approver (A)")
    delegate_id: Mapped[str] = mapped_column(String(32), doc="who decides on A's behalf (B)")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    start_notified_at: Mapped[datetime | None]
    end_notified_at: Mapped[datetime | None]
