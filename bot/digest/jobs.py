"""The weekly digest check: every 5 minutes, post this week's digest once its configured time has come
(bot/digest/post.py claims the week itself, so the config decides the day and hour)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.digest.post import POSTED, post_if_due
from bot.scheduler import Every, Idle, periodic

if TYPE_CHECKING:
    from bot.services import Services


@periodic("weekly-digest-check", Every(minutes=5))
def weekly_digest(services: Services, slot: str) -> str:
    outcome = post_if_due(services)
    return outcome if POSTED in outcome else Idle(outcome)  # not due, already posted, no channel: idle
