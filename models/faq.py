"""The FAQ knowledge base and the log of every question asked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class FaqEntry(Base):
    __tablename__ = "faq_entries"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    department: Mapped[str | None] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    variants: Mapped[list[Any]] = mapped_column(default=list)
    question_en: Mapped[str | None] = mapped_column(Text)
    answer_en: Mapped[str | None] = mapped_column(Text)
    variants_en: Mapped[list[Any]] = mapped_column(default=list)
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    enabled: Mapped[bool] = mapped_column(default=True)
    source: Mapped[str] = mapped_column(String(32), default="import", doc="import | default | ticket")
    source_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FaqRevision(Base):
    """One row whose counter moves on every KB change, so every replica knows to rebuild its index."""

    __tablename__ = "faq_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class FaqQuery(Base):
    __tablename__ = "faq_queries"
    __table_args__ = (Index("ix_faq_queries_asked_at", "asked_at"), Index("ix_faq_queries_outcome", "outcome"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(8), default="ja")
    channel: Mapped[str | None] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    tier: Mapped[str] = mapped_column(String(16), doc="answer | suggest | none")
    matches: Mapped[list[Any]] = mapped_column(default=list, doc="[{id, score, phrase}] best first")
    top_score: Mapped[float | None]
    outcome: Mapped[str | None] = mapped_column(
        String(16), doc="helped | not_helped | escalated | no_answer; null while undecided"
    )
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
