"""The periodic jobs `madoguchi scheduler` (and `serve`) run; see bot/scheduler.py for the mechanism.

To add a job: write `@periodic("name", Daily(...)) def name(services, slot) -> str | None` in a module
here (one module per concern) and append it to JOBS below. Names are stored in job_runs: never rename
one that has run in production, or its current slot runs again under the new name.
"""

from __future__ import annotations

from bot.jobs.delegations import delegation_notices
from bot.jobs.digest import weekly_digest
from bot.jobs.housekeeping import forget_processed_events, prune_job_runs
from bot.jobs.reminders import reminders
from bot.jobs.tickets import close_unrated_tickets
from bot.scheduler import Job

JOBS: tuple[Job, ...] = (
    close_unrated_tickets,
    delegation_notices,
    forget_processed_events,
    prune_job_runs,
    reminders,
    weekly_digest,
)
