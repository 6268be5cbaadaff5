"""App Home for admins: this week's numbers so far (Monday 00:00 until now), refreshed with the Home.

Computed from the same code as the digest; cached for a few minutes per database, since a Home is
re-rendered on every change for its person and the numbers move slowly."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.digest.numbers import Digest, compute
from bot.digest.view import hours, pct
from bot.i18n import t
from bot.i18n.dates import format_date_range
from bot.views.blocks import Block, header, section

if TYPE_CHECKING:
    from bot.services import Services

CACHE_FOR = timedelta(minutes=5)
_cache: dict[object, tuple[datetime, Digest]] = {}
_lock = threading.Lock()


def this_week(session: Session, services: Services, now: datetime) -> Digest:
    """The current week so far: the digest's numbers as if it were posted next Monday."""
    key = services.engine
    with _lock:
        hit = _cache.get(key)
        if hit is not None and timedelta(0) <= now - hit[0] < CACHE_FOR:
            return hit[1]
    digest = compute(session, services.config, services.calendar, now + timedelta(days=7))
    with _lock:
        _cache[key] = (now, digest)
    return digest


def admin_section(session: Session, services: Services, user: str, locale: str) -> list[Block]:
    if not services.config.is_admin(user):
        return []
    d = this_week(session, services, services.clock.now())
    period = format_date_range(d.week_start, d.week_end, locale)
    body = t(locale, "digest.home.body", period=period, new=d.total.this.new,
             resolved=d.total.this.resolved, backlog=d.total.this.backlog,
             first_response=hours(d.total.this.first_response.median), lead=hours(d.approvals.lead_time.median),
             send_back=pct(d.approvals.send_back_rate), self_resolution=pct(d.faq.self_resolution_rate),
             stalled=len(d.stalled))
    return [header(t(locale, "digest.home.header")), section(body)]
