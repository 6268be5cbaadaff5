"""Periodic jobs that run exactly once per slot, however many replicas run the scheduler.

APScheduler (3.x, in-memory job store, one per process) only *triggers*: it wakes each job often
enough to notice a new slot. The guarantee comes from the database: before running, a replica
claims the row `(job, slot)` in `job_runs` (models.db.insert_ignore: INSERT … ON CONFLICT DO NOTHING) in its own
committed transaction; exactly one replica's insert succeeds, and only that replica runs the slot. A shared
APScheduler job store would not give this (it ran most slots twice in our trial), so there is none.

A slot is a named period of time ("2026-W48", "2026-11-23", "2026-11-23T09:05Z"). A job runs at
most once per slot, as soon as some replica notices the slot (within `check_every` of its start).
What a run leaves in `job_runs`:

- finished, with `outcome` = what the job returned ("ok" when it returned None);
- finished, with `outcome` = "error: <type>: <message>" when the job raised;
- `finished_at` NULL when the process died mid-run (killed, OOM, power loss). Nobody re-runs that
  slot automatically — we cannot know how far the job got, and a half-sent digest sent twice is
  worse than one missing. The next slot runs normally; an operator sees the NULL row.

Slots missed entirely (every replica down for several slots) are not back-filled: only the slot
current at the time of a check runs. `Job.grace` can additionally skip a current slot that is
already too old (e.g. a fresh install on a Wednesday should not post Monday's digest).

Time comes from `services.clock`, so tests and the playground drive jobs with a ManualClock and
`Scheduler.tick()`, without APScheduler or sleeping. When such a clock jumps forward, `Scheduler.walk()`
runs every slot the jump passed over, in time order, each as of its own start (the caller moves the
clock), so a reminder due on Friday afternoon is sent on Friday afternoon, not at the landing time.

Adding a job: write a function `run(services, slot) -> str | None` in a module of `bot/jobs/`,
decorate it with `@periodic("job-name", Daily(time(4, 0)))` (or `Weekly`, `Every`), and list it in
`bot/jobs/__init__.py`'s `JOBS`.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time as walltime
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from types import FrameType
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MAX_INSTANCES
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from models import JobRun
from models.db import insert_ignore, transaction, within

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DEFAULT_TZ = "Asia/Tokyo"
# Calendar-based slots (daily, weekly) are checked once a minute: a replica that starts late, or
# whose trigger was delayed, still runs the current slot within a minute, and a check that finds
# the slot already handled costs no database round trip (see Scheduler._seen).
CALENDAR_CHECK_EVERY_S = 60
STUCK_AFTER_S = 180
# A check whose database call is still blocked after this long is on a connection that went silent
# (keepalives and statement_timeout cannot end a wait on a peer that still ACKs): models.db.within
# cuts it, the check fails, and the next one connects anew. Every job's budget is seconds.
JOB_DB_DEADLINE_S = 120.0
# Scheduler.walk runs at most this much of a clock jump (a week: every weekly slot once, ~2,000 slots of a
# 5-minute job); a longer jump skips what came before, as a scheduler that was down would.
WALK_SPAN = timedelta(days=7)
OUTCOME_MAX = 200  # job_runs.outcome is VARCHAR(200)
NAME_MAX = 64  # job_runs.job / job_runs.slot are VARCHAR(64)

JobFunc = Callable[["Services", str], "str | None"]


class Idle(str):
    """A job's outcome saying the run found nothing to do ("0 delegation notices"): stored in job_runs
    like any outcome, but logged at DEBUG — an idle scheduler writes nothing at INFO, one line per run
    that did something."""

    __slots__ = ()


# -- slots ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    key: str  # what is stored in job_runs.slot
    start: datetime  # aware UTC; the slot is due from this instant on


class Schedule(Protocol):
    """Maps an instant to the slot containing it, and says how often APScheduler should look."""

    @property
    def check_every(self) -> float:
        """Seconds between checks; slot boundaries fall on multiples of it since the Unix epoch."""
        ...

    def slot_at(self, now: datetime) -> Slot: ...


@dataclass(frozen=True)
class Every:
    """Fixed-length slots aligned to the Unix epoch: Every(minutes=5) → 09:00, 09:05, … UTC."""

    seconds: int = 0
    minutes: int = 0
    hours: int = 0

    def __post_init__(self) -> None:
        if self.period < 1:
            raise ValueError("Every(...) needs a period of at least one second")

    @property
    def period(self) -> int:
        return self.seconds + 60 * self.minutes + 3600 * self.hours

    @property
    def check_every(self) -> float:
        return min(self.period, CALENDAR_CHECK_EVERY_S)

    def slot_at(self, now: datetime) -> Slot:
        if now.tzinfo is None:
            raise ValueError("slot functions need an aware datetime")
        period = timedelta(seconds=self.period)
        start = EPOCH + (now - EPOCH) // period * period  # integer arithmetic: exact to the µs
        # Minute-granular keys read better in job_runs when the period allows them.
        fmt = "%Y-%m-%dT%H:%MZ" if self.period % 60 == 0 else "%Y-%m-%dT%H:%M:%SZ"
        return Slot(start.strftime(fmt), start)


@dataclass(frozen=True)
class Daily:
    """One slot per local day, starting at `at` in `tz`; key is the local date, e.g. 2026-11-23."""

    at: time
    tz: str = DEFAULT_TZ
    check_every: float = CALENDAR_CHECK_EVERY_S

    def slot_at(self, now: datetime) -> Slot:
        start = _latest_local(now, ZoneInfo(self.tz), self.at, step=timedelta(days=1))
        return Slot(start.date().isoformat(), start.astimezone(UTC))


@dataclass(frozen=True)
class Weekly:
    """One slot per week, starting on `weekday` (0 = Monday) at `at` in `tz`; key is the ISO week
    of that local date, e.g. 2026-W48 for the week of Monday 2026-11-23."""

    weekday: int
    at: time
    tz: str = DEFAULT_TZ
    check_every: float = CALENDAR_CHECK_EVERY_S

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday is 0 (Monday) … 6 (Sunday)")

    def slot_at(self, now: datetime) -> Slot:
        start = _latest_local(now, ZoneInfo(self.tz), self.at, step=timedelta(days=7), weekday=self.weekday)
        year, week, _ = start.date().isocalendar()
        return Slot(f"{year}-W{week:02d}", start.astimezone(UTC))


def slots_between(schedule: Schedule, after: datetime, until: datetime) -> list[Slot]:
    """The slots of `schedule` that start in (after, until], oldest first: the schedule's own
    `slot_at`, stepped back from `until` one slot at a time."""
    if after.tzinfo is None or until.tzinfo is None:
        raise ValueError("slot functions need an aware datetime")
    found: list[Slot] = []
    slot = schedule.slot_at(until)
    while slot.start > after:
        found.append(slot)
        slot = schedule.slot_at(slot.start - timedelta(microseconds=1))
    found.reverse()
    return found


def _latest_local(now: datetime, tz: ZoneInfo, at: time, *, step: timedelta, weekday: int | None = None) -> datetime:
    """The latest local `at` (on `weekday`, if given) that is not after `now`."""
    if now.tzinfo is None:
        raise ValueError("slot functions need an aware datetime")
    day = now.astimezone(tz).date()
    if weekday is not None:
        day -= timedelta(days=(day.weekday() - weekday) % 7)
    start = datetime.combine(day, at, tzinfo=tz)
    # Compare in UTC: aware datetimes sharing a tzinfo compare by wall time, ignoring DST offsets.
    if start.astimezone(UTC) > now.astimezone(UTC):
        start = datetime.combine(day - step, at, tzinfo=tz)
    return start


# -- jobs -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    name: str
    schedule: Schedule
    run: JobFunc
    # Skip (without claiming) a slot noticed more than this long after it started; None = always run.
    grace: timedelta | None = None
    # Overrides the APScheduler trigger derived from the schedule (rarely needed).
    trigger: BaseTrigger | None = None

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > NAME_MAX:
            raise ValueError(f"job name must be 1–{NAME_MAX} characters: {self.name!r}")

    def apscheduler_trigger(self) -> BaseTrigger:
        if self.trigger is not None:
            return self.trigger
        # An interval anchored at the epoch fires on slot boundaries without drifting, so a
        # 1-second slot is noticed right after it starts instead of at a random offset.
        return IntervalTrigger(seconds=self.schedule.check_every, start_date=EPOCH, timezone=UTC)


def periodic(name: str, schedule: Schedule, *, grace: timedelta | None = None) -> Callable[[JobFunc], Job]:
    """Decorator turning `run(services, slot) -> str | None` into a Job."""

    def wrap(run: JobFunc) -> Job:
        return Job(name=name, schedule=schedule, run=run, grace=grace)

    return wrap


@dataclass(frozen=True)
class RunResult:
    job: str
    slot: str
    won: bool  # False: another replica (or an earlier tick) holds this slot, or the slot was skipped
    outcome: str | None = None  # what the job returned, or the error text
    failed: bool = False
    skipped: bool = False  # older than the job's grace
    idle: bool = False  # the job returned an Idle outcome: it found nothing to do


# -- the claim ------------------------------------------------------------------------------------


def claim(factory: sessionmaker[Session], job: str, slot: str, claimed_by: str, now: datetime) -> bool:
    """Insert (job, slot) in its own committed transaction; True for the one caller that wins.

    Committing before the job starts is the point: the row is visible to every other replica
    while the job runs, and stays as evidence if the process dies."""
    with transaction(factory) as session:
        return insert_ignore(session, JobRun, {"job": job, "slot": slot, "claimed_by": claimed_by,
                                               "claimed_at": now})


def _finish(factory: sessionmaker[Session], job: str, slot: str, claimed_by: str, now: datetime, outcome: str) -> None:
    with transaction(factory) as session:
        session.connection().execute(
            update(JobRun)
            .where(JobRun.job == job, JobRun.slot == slot, JobRun.claimed_by == claimed_by)
            .values(finished_at=now, outcome=outcome[:OUTCOME_MAX])
        )


def replica_id() -> str:
    # host:pid says where a run happened; the random suffix keeps two Scheduler objects in one
    # process (tests, serve + a CLI tick) apart.
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


# -- the scheduler --------------------------------------------------------------------------------


class _StillRunning(logging.Filter):
    """Drops APScheduler's WARNING "Execution of job … skipped: maximum number of running instances
    reached", written at every trigger while the previous check of that job still runs — at every tick of
    a database outage, while a call waits for its timeout. The skipped check had nothing to add (the
    running one handles the slot); the outage is logged once by Scheduler._database_failed, and a check
    running for minutes once by Scheduler._check_skipped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


_aps_logger = logging.getLogger("apscheduler.scheduler")
if not any(isinstance(f, _StillRunning) for f in _aps_logger.filters):
    _aps_logger.addFilter(_StillRunning())


class Scheduler:
    """Runs `jobs` for `services`; `tick()` by hand, or `start()`/`stop()` a background APScheduler."""

    # A check still running after this long is reported once (its later checks are skipped meanwhile).
    stuck_after_s: float = STUCK_AFTER_S
    db_deadline_s: float = JOB_DB_DEADLINE_S

    def __init__(self, services: Services, jobs: Sequence[Job]):
        """`jobs`: usually bot.jobs.JOBS, the list of every periodic job."""
        self.services = services
        self.jobs: tuple[Job, ...] = tuple(jobs)
        names = [job.name for job in self.jobs]
        if len(names) != len(set(names)):
            raise ValueError(f"duplicate job names: {sorted(n for n in set(names) if names.count(n) > 1)}")
        self.identity = replica_id()
        # Last slot this replica already handled (won, lost or skipped) per job, so the once-a-minute
        # checks of a weekly job touch the database once per week, not 10,080 times.
        self._seen: dict[str, str] = {}
        self._seen_lock = threading.Lock()
        self._database_down = False
        self._running_since: dict[str, float] = {}  # job → when its current check began (monotonic)
        self._stuck: set[str] = set()  # jobs whose long-running check has been reported
        self._aps: BackgroundScheduler | None = None

    # -- running by hand -------------------------------------------------------------------
    def tick(self, now: datetime | None = None) -> list[RunResult]:
        """Run every job whose current slot nobody has claimed yet; one job failing never stops
        the others. Returns what happened for each job that had a new slot."""
        now = now or self.services.clock.now()
        results = []
        for job in self.jobs:
            result = self.run_if_due(job, now)
            if result is not None:
                results.append(result)
        return results

    def run_if_due(self, job: Job, now: datetime | None = None) -> RunResult | None:
        """Claim and run `job`'s slot at `now`; None when this replica already handled that slot."""
        now = now or self.services.clock.now()
        slot = job.schedule.slot_at(now)
        with self._seen_lock:
            if self._seen.get(job.name) == slot.key:
                return None
        if job.grace is not None and now - slot.start > job.grace:
            self._mark_seen(job, slot.key)
            log.debug("job %s: slot %s started %s ago, past its grace; skipped", job.name, slot.key, now - slot.start)
            return RunResult(job.name, slot.key, won=False, skipped=True)
        factory = self.services.session_factory
        try:
            won = claim(factory, job.name, slot.key, self.identity, now)
        except Exception as exc:  # database unreachable: not "seen", so the next check retries
            self._database_failed(exc, f"job {job.name}: could not claim slot {slot.key}")
            return RunResult(job.name, slot.key, won=False, outcome=_error_text(exc), failed=True)
        self._database_answered()
        self._mark_seen(job, slot.key)
        if not won:
            return RunResult(job.name, slot.key, won=False)
        log.debug("job %s: running slot %s", job.name, slot.key)
        try:
            returned = job.run(self.services, slot.key)
        except Exception as exc:  # recorded in job_runs and logged; the next slot runs normally
            log.exception("job %s: slot %s failed", job.name, slot.key)
            outcome, failed = _error_text(exc), True
        else:
            outcome, failed = (returned if returned is not None else Idle("ok")), False
        try:
            _finish(factory, job.name, slot.key, self.identity, self.services.clock.now(), outcome)
        except Exception as exc:  # the run happened; only its record is missing (finished_at stays NULL)
            self._database_failed(exc, f"job {job.name}: could not record the end of slot {slot.key}")
        if not failed:  # a failure was logged above, with its traceback
            log.log(logging.DEBUG if isinstance(outcome, Idle) else logging.INFO,
                    "job %s: slot %s → %s", job.name, slot.key, outcome)
        return RunResult(job.name, slot.key, won=True, outcome=str(outcome), failed=failed,
                         idle=isinstance(outcome, Idle))

    def walk(self, after: datetime, until: datetime, *, move_to: Callable[[datetime], object],
             settle: Callable[[list[RunResult]], object] | None = None,
             span: timedelta = WALK_SPAN) -> list[RunResult]:
        """Run, in time order, every slot of every job that starts in (after, until], each as of its own
        start: `move_to(start)` first sets the clock the jobs read (services.clock) to that instant, and
        `settle(results)` runs after each instant that did something (e.g. to let the outbox deliver before
        time moves on). Only the last `span` of a longer jump is walked; earlier slots are skipped, as when
        every replica was down (see the module docstring). Slots already handled are not run again."""
        after = max(after, until - span)
        due: dict[datetime, list[Job]] = {}
        for job in self.jobs:
            for slot in slots_between(job.schedule, after, until):
                due.setdefault(slot.start, []).append(job)
        results: list[RunResult] = []
        for start in sorted(due):
            move_to(start)
            ran = [r for r in (self.run_if_due(job, start) for job in due[start]) if r is not None]
            results.extend(ran)
            if settle is not None and any(r.won and not r.idle for r in ran):
                settle(ran)
        return results

    # -- the database going away and coming back: one line each, not one per check ---------------
    def _database_failed(self, exc: BaseException, doing: str) -> None:
        with self._seen_lock:
            first, self._database_down = not self._database_down, True
        if first:
            log.warning("%s: %s; periodic jobs wait for the database (logged once until it answers)",
                        doing, _error_text(exc).removeprefix("error: ").splitlines()[0])
        else:
            log.debug("%s: %s", doing, _error_text(exc))

    def _database_answered(self) -> None:
        with self._seen_lock:
            was_down, self._database_down = self._database_down, False
        if was_down:
            log.info("the database answers again; periodic jobs resume")

    def _mark_seen(self, job: Job, slot: str) -> None:
        with self._seen_lock:
            self._seen[job.name] = slot

    # -- running in the background -----------------------------------------------------------
    def start(self) -> None:
        if self._aps is not None:
            return
        aps = BackgroundScheduler(
            timezone=UTC,
            # coalesce: a trigger delayed past several fire times runs once; no misfire limit,
            # because a late check is still useful (the slot logic decides what is due).
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        now = datetime.now(UTC)
        for job in self.jobs:
            aps.add_job(self._fire, trigger=job.apscheduler_trigger(), args=(job,), id=job.name, name=job.name)
            # One extra check right away, so a replica starting mid-slot catches up without waiting
            # for the next boundary. A separate one-shot job, because overriding the first run time
            # of the interval job would shift all its later fire times off the slot boundaries.
            aps.add_job(self._fire, trigger="date", run_date=now, args=(job,), id=f"{job.name}@start")
        aps.add_listener(self._check_skipped, EVENT_JOB_MAX_INSTANCES)
        aps.start()
        self._aps = aps
        log.info("scheduler %s started with jobs: %s", self.identity, ", ".join(j.name for j in self.jobs))

    @property
    def running(self) -> bool:
        return self._aps is not None

    def stop(self, wait: bool = True) -> None:
        """Stop triggering; with wait, let running jobs finish (an interrupted one keeps a NULL
        finished_at, see the module docstring)."""
        if self._aps is not None:
            # Emptied under APScheduler's job store lock first: its shutdown clears the store without that lock,
            # and a one-shot start-up check it was finishing at that moment then failed to remove itself
            # (JobLookupError, a traceback from its thread; agronholm/apscheduler#104). Running jobs go on.
            self._aps.remove_all_jobs()
            self._aps.shutdown(wait=wait)
            self._aps = None
            log.info("scheduler %s stopped", self.identity)

    def _fire(self, job: Job) -> None:
        with self._seen_lock:
            self._running_since.setdefault(job.name, walltime.monotonic())
        try:
            with within(self.db_deadline_s):
                self.run_if_due(job)
        except Exception:  # e.g. a broken slot function; keep APScheduler's thread pool healthy
            log.exception("job %s: check failed", job.name)
        finally:
            with self._seen_lock:
                started = self._running_since.pop(job.name, None)
                was_stuck = job.name in self._stuck
                self._stuck.discard(job.name)
            if was_stuck and started is not None:
                log.info("job %s: the long check ended after %.0f s; checks resume", job.name,
                         walltime.monotonic() - started)

    def _check_skipped(self, event: Any) -> None:
        """APScheduler skipped a check because the previous one still runs (see _StillRunning): said
        once per episode, and only when it has run for longer than `stuck_after_s`."""
        name = str(event.job_id).removesuffix("@start")
        with self._seen_lock:
            started = self._running_since.get(name)
            if started is None or name in self._stuck or walltime.monotonic() - started < self.stuck_after_s:
                return
            self._stuck.add(name)
        log.warning("job %s: a check has been running for %.0f s (a database or Slack call not answering?); "
                    "later checks wait for it", name, walltime.monotonic() - started)


def _error_text(exc: BaseException) -> str:
    return f"error: {type(exc).__name__}: {exc}"[:OUTCOME_MAX]


# -- `madoguchi scheduler` --------------------------------------------------------------------------


def run_scheduler(
    services: Services,
    *,
    jobs: Sequence[Job],
    stop_event: threading.Event | None = None,
) -> int:
    """Body of `madoguchi scheduler`: the outbox dispatcher and audit sealer threads plus the periodic jobs, until
    SIGTERM/SIGINT (or `stop_event` is set). Stops both cleanly and returns the exit code 0."""
    stop = stop_event or threading.Event()
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():  # signal.signal only works there

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            log.info("received %s; stopping", signal.Signals(signum).name)
            stop.set()

        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, on_signal)
    scheduler = Scheduler(services, jobs)
    try:
        services.start_background()
        scheduler.start()
        # A timed wait keeps the main thread responsive to signals on every platform.
        while not stop.wait(1.0):
            pass
    finally:
        scheduler.stop()
        services.dispatcher.stop()
        services.sealer.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0
