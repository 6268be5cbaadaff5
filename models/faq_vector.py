"""Sentence-embedding vectors of FAQ texts, stored when the text is written (import, edit, capture from a
ticket) so that building the FAQ index only reads them: encoding tens of thousands of phrasings at every
build would cost minutes (docs/FAQ_ENGINE.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class FaqTextVector(Base):
    """One text's vector under one model; keyed by the model name and the sha256 of the text, so an
    edited text gets a new row and an unchanged one is never re-encoded."""

    __tablename__ = "faq_text_vectors"

    model: Mapped[str] = mapped_column(String(64), primary_key=True)
    text_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    dim: Mapped[int]
    vector: Mapped[bytes] = mapped_column(LargeBinary, doc="float32 little-endian, L2-normalised")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
