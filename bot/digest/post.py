"""Building and posting the weekly digest: the message and the chart upload, through the outbox.

Exactly once per week: the week's slot is claimed in job_runs (the same (job, slot) guard every
periodic job uses) under the name `weekly-digest`, so the posting time can come from the
config (digest.weekday / digest.at) while the checking job runs on a fixed period."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot import outbox
from bot.config.workspace import WEEKDAYS
from bot.digest.chart import render_chart
from bot.digest.numbers import Digest, compute
from bot.digest.view import digest_message
from bot.i18n import t
from bot.i18n.dates import format_date_range
from bot.scheduler import Weekly, replica_id
from bot.views.blocks import Block
from models import JobRun
from models.db import insert_ignore, transaction

if TYPE_CHECKING:
    from bot.services import Services

DIGEST_JOB = "weekly-digest"
# A digest noticed later than this after its time is skipped (a fresh install on a Wednesday must not
# post Monday's numbers); a replica restart within the morning still posts it.
GRACE = timedelta(hours=12)
FILES_UPLOAD = outbox.FILES_UPLOAD


@dataclass(frozen=True)
class Rendered:
    digest: Digest
    text: str
    blocks: list[Block]
    chart: bytes
    locale: str


def schedule(services: Services) -> Weekly:
    cfg = services.config.digest
    return Weekly(WEEKDAYS.index(cfg.weekday), cfg.at, services.config.calendar.timezone)


def render(session: Session, services: Services, now: datetime) -> Rendered:
    config = services.config
    locale = config.default_locale
    digest = compute(session, config, services.calendar, now)
    text, blocks = digest_message(
        locale, digest, department_names={d.key: d.name.get(locale) for d in config.departments},
        type_names={rt.key: rt.name.get(locale) for rt in config.request_types},
        names=services.locales.display_name, help_url=config.digest.help_url)
    return Rendered(digest, text, blocks, render_chart(locale, digest.weeks), locale)


def enqueue_digest(session: Session, services: Services, rendered: Rendered, channel: str, week: str) -> None:
    d = rendered.digest
    outbox.post(session, channel, rendered.text, rendered.blocks, ref=f"digest:{week}",
                dedupe_key=f"digest:{week}:message")
    period = format_date_range(d.week_start, d.week_end, rendered.locale)
    outbox.enqueue(session, FILES_UPLOAD, {
        "channel": channel, "filename": f"digest-{week}.png", "title": t(rendered.locale, "digest.chart.title"),
        "initial_comment": t(rendered.locale, "digest.chart.comment", period=period),
        "content_b64": base64.b64encode(rendered.chart).decode("ascii"),
    }, dedupe_key=f"digest:{week}:chart")


POSTED = "posted to"


def post_if_due(services: Services, now: datetime | None = None, *, identity: str | None = None) -> str:
    """Post this week's digest if its time has come and nobody posted it yet."""
    now = now or services.clock.now()
    channel = services.config.digest.channel
    if channel is None:
        return "no digest channel configured"
    slot = schedule(services).slot_at(now)
    if now - slot.start > GRACE:
        return f"{slot.key}: past its grace, not posted"
    with transaction(services.session_factory) as session:
        # Claimed in the posting transaction: a crash before commit leaves the week unclaimed (the next
        # check posts it), and a concurrent replica's insert waits for ours and then loses.
        if not _claim_week(session, slot.key, identity or replica_id(), now):
            return f"{slot.key}: already posted"
        rendered = render(session, services, now)
        enqueue_digest(session, services, rendered, channel, slot.key)
        session.execute(update(JobRun).where(JobRun.job == DIGEST_JOB, JobRun.slot == slot.key)
                        .values(finished_at=services.clock.now(), outcome=f"posted to {channel}"))
    services.dispatcher.notify()
    return f"{slot.key}: {POSTED} {channel}"


def _claim_week(session: Session, week: str, identity: str, now: datetime) -> bool:
    return insert_ignore(session, JobRun, {"job": DIGEST_JOB, "slot": week, "claimed_by": identity[:128],
                                           "claimed_at": now})
