"""App Home: the receipt search, for the people who may use it (bot/receipts/sharing.py may_search)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.receipts.sharing import may_search
from bot.receipts.views import home_search_button
from bot.views.blocks import Block

if TYPE_CHECKING:
    from bot.services import Services


def search_section(session: Session, services: Services, user: str, locale: str) -> list[Block]:
    return home_search_button(locale) if may_search(services, user) else []
