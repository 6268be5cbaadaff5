"""Which approved requests have been handed to accounting (madoguchi export journal), so the next export of
the same days leaves them out unless asked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class JournalExport(Base):
    __tablename__ = "journal_exports"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    exported_at: Mapped[datetime] = mapped_column(doc="the first export that carried this request (UTC)")
    format: Mapped[str] = mapped_column(String(8), doc="freee | mf | csv")
    exported_by: Mapped[str] = mapped_column(String(100), doc="who ran the export ($USER, or --by)")
