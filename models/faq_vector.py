"""What the FAQ index build would otherwise recompute for every text at each process start, stored:
sentence-embedding vectors (written with the text: import, edit, capture from a ticket; encoding tens of
thousands of phrasings would cost minutes) and Sudachi word analyses (saved by the first build that makes
them; Sudachi is about half of a cold 10,000-entry build).  docs/FAQ_ENGINE.md."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String, Text
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


class FaqTextWords(Base):
    """One normalised text's words as the FAQ tokenizer produced them, keyed by the analyser (code,
    Sudachi and dictionary versions, split mode) and the sha256 of the text."""

    __tablename__ = "faq_text_words"

    analyser: Mapped[str] = mapped_column(String(64), primary_key=True)
    text_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    words: Mapped[str] = mapped_column(Text, doc="newline-separated (words never contain whitespace)")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
