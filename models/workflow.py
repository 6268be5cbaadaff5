"""Workflow Builder runs of madoguchi's custom step: which request each run became, and whether Slack has been
told how it ended (functions.completeSuccess / completeError, exactly once per run)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class WorkflowRun(Base):
    __tablename__ = "workflow_runs"

    execution_id: Mapped[str] = mapped_column(String(64), primary_key=True, doc="Slack's function_execution_id")
    callback_id: Mapped[str] = mapped_column(String(64), doc="the step (the manifest's function callback_id)")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), unique=True,
                                                  doc="the request the run became; none when its inputs were refused")
    started_at: Mapped[datetime] = mapped_column(doc="when the function_executed event first arrived (UTC)")
    finished_at: Mapped[datetime | None] = mapped_column(doc="when its completion was handed to the outbox (UTC)")
    outcome: Mapped[str | None] = mapped_column(String(16), doc="approved | rejected | not_required | error")
