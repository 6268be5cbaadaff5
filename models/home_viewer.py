"""Who has opened the app's Home tab: only their Home is re-published when something on it changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class HomeViewer(Base):
    __tablename__ = "home_viewers"

    slack_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    first_opened_at: Mapped[datetime] = mapped_column(doc="the first app_home_opened we handled (UTC)")
