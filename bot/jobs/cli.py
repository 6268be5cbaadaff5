"""`madoguchi jobs run NAME [--at ISO]`: one periodic job, once, now — under the scheduler's claim, so a
slot already run (by the scheduler or an earlier `jobs run`) is not run again; one line says what happened.
`madoguchi jobs list`: every job, its schedule and its last run."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.cli_args import instant

if TYPE_CHECKING:
    from bot.scheduler import Job, RunResult, Schedule
    from bot.services import Services
    from models import JobRun

# --at may be this far ahead of the wall clock (clock skew between hosts); further ahead it would use up a
# slot the scheduler has yet to reach, which then never runs.
FUTURE_TOLERANCE = timedelta(minutes=1)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def add(jobs: argparse.ArgumentParser) -> None:
    """`jobs run` and `jobs list`, on the parser bot/cli.py made for `jobs`."""
    from bot.jobs import JOBS

    names = ", ".join(job.name for job in JOBS)
    sub_jobs = jobs.add_subparsers(dest="jobs_command", required=True, metavar="COMMAND")
    p = sub_jobs.add_parser("run", help="run one job's current slot now, unless the scheduler (or an earlier "
                                        "run) already did")
    p.add_argument("name", metavar="NAME", help=f"the job: {names}")
    p.add_argument("--at", help="run it as of this past instant (ISO 8601, e.g. 2026-11-25T09:05+09:00; without "
                                "an offset, the company's time zone); default now")
    p.set_defaults(func=cmd_run)
    p = sub_jobs.add_parser("list", help="every job with its schedule and its last run")
    p.add_argument("--json", action="store_true", help="print JSON instead of one line per job")
    p.set_defaults(func=cmd_list)


def _fail(message: str) -> int:
    print(f"madoguchi jobs: {message}", file=sys.stderr)
    return 2


def cmd_run(args: argparse.Namespace) -> int:
    from bot.clock import ManualClock
    from bot.composition import build_services
    from bot.config import load_workspace
    from bot.jobs import JOBS, job_named, run_job
    from bot.settings import load_settings
    from bot.startup import identify_bot

    job = job_named(args.name)
    if job is None:
        return _fail(f"no job {args.name!r}; the jobs are {', '.join(j.name for j in JOBS)}")
    settings = load_settings()
    settings.bot_token()  # as the scheduler: what a job sends goes to Slack (MissingSetting: one line, exit 2)
    config = load_workspace(settings.madoguchi_config)
    wall = datetime.now(UTC)
    if args.at is None:
        at = wall
    else:
        try:
            at = instant(args.at, config.calendar.zone)
        except ValueError as exc:
            return _fail(f"--at {args.at!r}: {exc}")
        if at - wall > FUTURE_TOLERANCE:
            return _fail(f"--at {args.at!r} is in the future: running it now would use up that slot, and the "
                         "scheduler would then skip it")
    if logging.getLogger("bot.scheduler").getEffectiveLevel() == logging.INFO:
        logging.getLogger("bot.scheduler").setLevel(logging.WARNING)  # its INFO line is the one printed below
    clock = ManualClock(at)
    services = build_services(settings, config=config, clock=clock)
    try:
        _check_database(services)
        identify_bot(services, announce=False, retry_every=None)  # as the scheduler: a rejected token stops here
        result = run_job(services, job)
        # The job ran as of --at; what it left in the outbox is sent as of now, as the dispatcher would.
        clock.set(max(at, datetime.now(UTC)))
        sent = services.dispatcher.drain()
        return _report(services, job, result, sent)
    finally:
        services.close()


def _check_database(services: Services) -> None:
    """Raises the database's own error (one line through bot.cli.main) before anything is claimed."""
    from sqlalchemy import select

    from models import JobRun

    with services.session_factory() as session:
        session.execute(select(JobRun.id).limit(1)).all()


def _report(services: Services, job: Job, result: RunResult, sent: int) -> int:
    from bot.jobs import slot_run

    head = f"{job.name} {result.slot}"
    if result.won and not result.failed:
        print(f"{head}: ran: {result.outcome}; {_sent(services, sent)}")
        return 0
    if result.won:
        print(f"madoguchi jobs: {head}: failed: {result.outcome}", file=sys.stderr)
        return 1
    if result.failed:  # the claim itself failed: the database went away after the check
        print(f"madoguchi jobs: {head}: could not claim the slot: {result.outcome}", file=sys.stderr)
        return 2
    if result.skipped:
        print(f"{head}: skipped: the slot started more than {job.grace} before --at; nothing done")
        return 0
    with services.session_factory() as session:
        earlier = slot_run(session, job.name, result.slot)
    print(f"{head}: already run{_by(earlier)}; nothing done")
    return 0


def _sent(services: Services, delivered: int) -> str:
    """What the outbox did after the run: delivered now, and still waiting (Slack not answering, a lane
    throttled by a rate limit: the running dispatcher sends those)."""
    from sqlalchemy import func, select

    from bot.outbox import PENDING, SENDING
    from models import OutboxMessage

    with services.session_factory() as session:
        waiting = session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.status.in_((PENDING, SENDING)))) or 0
    return f"outbox: {delivered} delivered to Slack" + (f", {waiting} waiting" if waiting else "")


def _by(run: JobRun | None) -> str:
    if run is None:
        return ""
    said = run.outcome if run.finished_at is not None else "not finished: still running, or its process died"
    return f" by {run.claimed_by} at {_utc(run.claimed_at)} ({said})"


def _utc(when: datetime) -> str:
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def describe(schedule: Schedule) -> str:
    """A schedule in words: "every 5 minutes", "daily 04:00 Asia/Tokyo", "weekly Mon 09:00 Asia/Tokyo"."""
    from bot.scheduler import Daily, Every, Weekly

    if isinstance(schedule, Every):
        for unit, size in (("hour", 3600), ("minute", 60), ("second", 1)):
            if schedule.period % size == 0:
                count = schedule.period // size
                return f"every {unit}" if count == 1 else f"every {count} {unit}s"
    if isinstance(schedule, Daily):
        return f"daily {schedule.at:%H:%M} {schedule.tz}"
    if isinstance(schedule, Weekly):
        return f"weekly {WEEKDAYS[schedule.weekday]} {schedule.at:%H:%M} {schedule.tz}"
    return type(schedule).__name__


def cmd_list(args: argparse.Namespace) -> int:
    from bot.jobs import JOBS, last_runs
    from bot.settings import load_settings
    from models.db import make_engine, make_session_factory

    engine = make_engine(load_settings().database_url)
    try:
        with make_session_factory(engine)() as session:
            latest = last_runs(session)
    finally:
        engine.dispose()
    rows = []
    for job in JOBS:
        run = latest.get(job.name)
        rows.append({"name": job.name, "schedule": describe(job.schedule), "last_run": None if run is None else {
            "slot": run.slot, "claimed_by": run.claimed_by, "claimed_at": _utc(run.claimed_at),
            "finished": run.finished_at is not None, "outcome": run.outcome}})
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    width = max(len(job.name) for job in JOBS)
    for row in rows:
        last = row["last_run"]
        said = ("never run" if last is None else
                f"last: {last['slot']} at {last['claimed_at']}: "
                f"{last['outcome'] if last['finished'] else 'not finished (running, or its process died)'}")
        print(f"{row['name']:<{width}}  {row['schedule']:<26}  {said}")
    return 0
