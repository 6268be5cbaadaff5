"""The weekly digest check: every 5 minutes, post this week's digest once its configured time has come
(bot/digest/post.py claims the week itself, so the config decides the day and hour)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.digest.post import post_if_due
from bot.scheduler import Every, periodic

if TYPE_CHECKING:
    from bot.services import Services


@periodic("weekly-digest-check", Every(minutes=5))
def weekly_digest(services: Services, slot: str) -> str:
    return post_if_due(services)
