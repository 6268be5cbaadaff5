"""The periodic jobs `madoguchi scheduler` (and `serve`) run; see bot/scheduler.py for the mechanism.

To add a job: write `@periodic("name", Daily(...)) def name(services, slot) -> str | None` in a module
here (one module per concern) and append it to JOBS below. Names are stored in job_runs: never rename
one that has run in production, or its current slot runs again under the new name.

`run_job` runs one of them once, now (`madoguchi jobs run NAME [--at ISO]`), under the same claim as the
scheduler: a slot already run — by a scheduler replica or an earlier `jobs run` — is not run again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.approvals.jobs import delegation_notices
from bot.digest.jobs import weekly_digest
from bot.jobs.housekeeping import forget_processed_events, prune_job_runs
from bot.reminders.jobs import reminders
from bot.scheduler import Job, RunResult, Scheduler
from bot.tickets.jobs import close_unrated_tickets
from models import JobRun

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.services import Services

JOBS: tuple[Job, ...] = (
    close_unrated_tickets,
    delegation_notices,
    forget_processed_events,
    prune_job_runs,
    reminders,
    weekly_digest,
)


def job_named(name: str) -> Job | None:
    return next((job for job in JOBS if job.name == name), None)


def run_job(services: Services, job: Job) -> RunResult:
    """Run `job`'s slot as of `services.clock.now()` (a ManualClock set to T runs it as of T), once: the
    scheduler's claim on (job, slot) decides, so a slot some replica or an earlier call already ran comes
    back with `won=False` and nothing done. A database that cannot be reached comes back `failed`."""
    result = Scheduler(services, [job]).run_if_due(job, services.clock.now())
    assert result is not None  # a fresh Scheduler has seen no slot yet
    return result


def slot_run(session: Session, job: str, slot: str) -> JobRun | None:
    """The job_runs row of one slot: who ran it, when, and what it said."""
    return session.scalars(select(JobRun).where(JobRun.job == job, JobRun.slot == slot)).first()


def last_runs(session: Session) -> dict[str, JobRun]:
    """Each job's most recently claimed run."""
    latest: dict[str, JobRun] = {}
    for job in JOBS:
        run = session.scalars(select(JobRun).where(JobRun.job == job.name)
                              .order_by(JobRun.claimed_at.desc(), JobRun.id.desc()).limit(1)).first()
        if run is not None:
            latest[job.name] = run
    return latest
