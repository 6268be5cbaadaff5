"""Housekeeping: keep the tables that only grow from growing forever."""

from __future__ import annotations

from datetime import time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete

from bot.events import forget_old
from bot.scheduler import Daily, Idle, periodic
from models import JobRun
from models.db import transaction

if TYPE_CHECKING:
    from bot.services import Services

# Longer than any slot we schedule (a week), so a pruned row can never be the current slot of its
# job (which would let that slot run again), and long enough to answer "did last month's runs work?".
KEEP_JOB_RUNS = timedelta(days=90)
# Early morning in Tokyo: outside working hours, when the bot is quiet.
HOUSEKEEPING_AT = time(4, 0)


@periodic("forget-processed-events", Daily(HOUSEKEEPING_AT))
def forget_processed_events(services: Services, slot: str) -> str:
    """Slack's Events API retries stop after minutes; ids older than a week are dead weight."""
    with transaction(services.session_factory) as session:
        removed = forget_old(session, services.clock.now())
    return f"deleted {removed} processed event ids" if removed else Idle("deleted 0 processed event ids")


@periodic("prune-job-runs", Daily(time(4, 10)))
def prune_job_runs(services: Services, slot: str) -> str:
    """A 1-minute job leaves 525,600 rows a year; only recent runs are worth keeping."""
    cutoff = services.clock.now() - KEEP_JOB_RUNS
    with transaction(services.session_factory) as session:
        result = session.execute(delete(JobRun).where(JobRun.claimed_at < cutoff))
    outcome = f"deleted {int(result.rowcount or 0)} job runs older than {KEEP_JOB_RUNS.days} days"
    return outcome if result.rowcount else Idle(outcome)
