"""The scheduler: one run per (job, slot) however many replicas race, driven by a ManualClock.

Each test gets a fresh database (a temp SQLite file, or a throwaway PostgreSQL database when
MADOGUCHI_TEST_POSTGRES_URL is set), migrated with Alembic like production.
"""

from __future__ import annotations

import logging
import threading
import time as walltime
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bot.clock import ManualClock, SystemClock
from bot.composition import build_services
from bot.jobs import JOBS
from bot.logs import CONTENT_FLOORS, configure
from bot.migrate import upgrade
from bot.scheduler import Daily, Every, Idle, Job, Scheduler, Weekly, claim, run_scheduler, slots_between
from bot.services import Services
from bot.settings import Settings
from models import JobRun, ProcessedEvent
from models.db import make_engine, normalise_url, transaction
from tests.service.scheduler_replica import postgres_server_url, throwaway_postgres
from tests.tcp_proxy import tcp_proxy

JST = ZoneInfo("Asia/Tokyo")
# Monday 2026-11-23 08:58 in Tokyo is still Sunday in UTC: the weekly slot flips at 00:00 UTC.
MONDAY_0858_JST = datetime(2026, 11, 23, 8, 58, tzinfo=JST)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'scheduler.db'}"
    else:
        with throwaway_postgres(postgres_server_url()) as url:
            yield url


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY_0858_JST)


@pytest.fixture
def services(database_url: str, clock: ManualClock) -> Iterator[Services]:
    engine = make_engine(database_url)
    upgrade(engine)
    settings = Settings(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="s",
        SLACK_API_URL="http://127.0.0.1:9/api/",
    )
    built = build_services(settings, clock=clock, engine=engine)
    try:
        yield built
    finally:
        built.close()


class Recorder:
    """A job body that remembers every slot it ran for (thread-safe: replicas race in threads)."""

    def __init__(self, fail_with: Exception | None = None):
        self.slots: list[str] = []
        self._lock = threading.Lock()
        self._fail_with = fail_with

    def __call__(self, services: Services, slot: str) -> str:
        with self._lock:
            self.slots.append(slot)
        if self._fail_with is not None:
            raise self._fail_with
        return f"ran {slot}"


def job_runs(services: Services) -> list[JobRun]:
    with services.session_factory() as session:
        return list(session.scalars(select(JobRun).order_by(JobRun.job, JobRun.slot)))


# -- the claim ------------------------------------------------------------------------------------


def race_for(services: Services, slot: str, contenders: int = 10) -> dict[str, bool]:
    """`contenders` threads released together, each claiming the same slot under its own name."""
    now = services.clock.now()
    barrier = threading.Barrier(contenders)
    wins: dict[str, bool] = {}

    def contend(name: str) -> None:
        barrier.wait()
        wins[name] = claim(services.session_factory, "race", slot, name, now)

    threads = [threading.Thread(target=contend, args=(f"replica-{i}",)) for i in range(contenders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return wins


def test_exactly_one_of_ten_threads_wins_the_claim(services: Services) -> None:
    for round_ in range(3):  # a few rounds, so a lucky interleaving cannot pass by accident
        slot = f"race-{round_}"
        wins = race_for(services, slot)
        assert len(wins) == 10
        winners = [name for name, won in wins.items() if won]
        assert len(winners) == 1
        assert [r.claimed_by for r in job_runs(services) if r.slot == slot] == winners


def test_ten_replicas_ticking_the_same_slot_run_the_job_once(services: Services) -> None:
    recorder = Recorder()
    job = Job("race-job", Every(minutes=5), recorder)
    replicas = [Scheduler(services, [job]) for _ in range(10)]
    assert len({r.identity for r in replicas}) == 10
    barrier = threading.Barrier(10)
    results: list[bool] = []

    def tick(replica: Scheduler) -> None:
        barrier.wait()
        results.extend(result.won for result in replica.tick())

    threads = [threading.Thread(target=tick, args=(r,)) for r in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [False] * 9 + [True]
    assert recorder.slots == ["2026-11-22T23:55Z"]
    [row] = job_runs(services)
    assert row.outcome == "ran 2026-11-22T23:55Z"
    assert row.finished_at is not None
    assert row.claimed_by in {r.identity for r in replicas}


# -- ticking with a manual clock ------------------------------------------------------------------


def test_tick_runs_each_due_job_once_per_slot(services: Services, clock: ManualClock) -> None:
    five_minutes, weekly = Recorder(), Recorder()
    scheduler = Scheduler(
        services,
        [Job("every-5-min", Every(minutes=5), five_minutes), Job("weekly", Weekly(0, time(9, 0)), weekly)],
    )

    # 08:58 JST Monday = 23:58 UTC Sunday: the current slots are 23:55 UTC and last week's.
    assert [(r.job, r.slot, r.won) for r in scheduler.tick()] == [
        ("every-5-min", "2026-11-22T23:55Z", True),
        ("weekly", "2026-W47", True),
    ]
    assert scheduler.tick() == []  # same slots: nothing to do, not even a claim attempt
    clock.advance(timedelta(minutes=1))  # 08:59 JST
    assert scheduler.tick() == []

    clock.advance(timedelta(minutes=1))  # 09:00 JST Monday: a new 5-minute slot and a new week
    assert [(r.job, r.slot, r.won) for r in scheduler.tick()] == [
        ("every-5-min", "2026-11-23T00:00Z", True),
        ("weekly", "2026-W48", True),
    ]
    clock.advance(timedelta(minutes=4, seconds=59))
    assert scheduler.tick() == []

    # Another replica noticing the same slots later claims nothing and runs nothing.
    other = Scheduler(services, scheduler.jobs)
    assert [(r.job, r.won) for r in other.tick()] == [("every-5-min", False), ("weekly", False)]

    assert five_minutes.slots == ["2026-11-22T23:55Z", "2026-11-23T00:00Z"]
    assert weekly.slots == ["2026-W47", "2026-W48"]
    rows = job_runs(services)
    assert [(r.job, r.slot, r.outcome) for r in rows] == [
        ("every-5-min", "2026-11-22T23:55Z", "ran 2026-11-22T23:55Z"),
        ("every-5-min", "2026-11-23T00:00Z", "ran 2026-11-23T00:00Z"),
        ("weekly", "2026-W47", "ran 2026-W47"),
        ("weekly", "2026-W48", "ran 2026-W48"),
    ]
    assert all(r.claimed_by == scheduler.identity and r.finished_at is not None for r in rows)


class Timed:
    """A job body that remembers the clock it read and the slot it ran for; idle (nothing to say) unless told."""

    def __init__(self, name: str, log: list[tuple[str, str, datetime]], *, speaks: bool = False):
        self.name, self.log, self.speaks = name, log, speaks

    def __call__(self, services: Services, slot: str) -> str:
        self.log.append((self.name, slot, services.clock.now()))
        return f"said {slot}" if self.speaks else Idle("nothing")


def test_a_clock_jump_runs_every_slot_it_passes_in_order_each_as_of_its_own_time(services, clock) -> None:
    ran: list[tuple[str, str, datetime]] = []
    settled: list[list[str]] = []
    scheduler = Scheduler(services, [Job("hourly", Every(hours=1), Timed("hourly", ran, speaks=True)),
                                     Job("daily", Daily(time(10, 30)), Timed("daily", ran))])
    scheduler.tick()  # Monday 08:58 JST: the current slots are handled before the jump
    ran.clear()

    # A jump to 11:15 passes 09:00, 10:00, 10:30 and 11:00 (JST).
    results = scheduler.walk(clock.now(), datetime(2026, 11, 23, 11, 15, tzinfo=JST), move_to=clock.set,
                             settle=lambda rs: settled.append([r.slot for r in rs]))

    assert [(name, slot, at.astimezone(JST).strftime("%H:%M")) for name, slot, at in ran] == [
        ("hourly", "2026-11-23T00:00Z", "09:00"),
        ("hourly", "2026-11-23T01:00Z", "10:00"),
        ("daily", "2026-11-23", "10:30"),
        ("hourly", "2026-11-23T02:00Z", "11:00"),
    ]
    assert [(r.job, r.won, r.idle) for r in results] == [
        ("hourly", True, False), ("hourly", True, False), ("daily", True, True), ("hourly", True, False)]
    # What spoke is settled (delivered) before time moves on; an idle run needs nothing.
    assert settled == [["2026-11-23T00:00Z"], ["2026-11-23T01:00Z"], ["2026-11-23T02:00Z"]]
    assert scheduler.tick(datetime(2026, 11, 23, 11, 15, tzinfo=JST)) == []  # the landing slot is done too


def test_a_jump_longer_than_a_week_walks_only_its_last_week(services, clock) -> None:
    ran: list[tuple[str, str, datetime]] = []
    scheduler = Scheduler(services, [Job("daily", Daily(time(4, 0)), Timed("daily", ran))])
    scheduler.tick()
    ran.clear()

    scheduler.walk(clock.now(), clock.now() + timedelta(days=30), move_to=clock.set)

    assert [slot for _, slot, _ in ran] == [f"2026-12-{day:02d}" for day in range(17, 24)]


@pytest.mark.parametrize(("schedule", "after", "until", "starts"), [
    (Every(minutes=5), utc(2026, 11, 23, 9, 0), utc(2026, 11, 23, 9, 12),
     [utc(2026, 11, 23, 9, 5), utc(2026, 11, 23, 9, 10)]),
    (Every(minutes=5), utc(2026, 11, 23, 9, 1), utc(2026, 11, 23, 9, 4), []),  # no new slot
    # Daily 04:00 JST from Friday 20:00 to Monday 20:00 (JST): three mornings.
    (Daily(time(4, 0)), datetime(2026, 11, 27, 20, tzinfo=JST), datetime(2026, 11, 30, 20, tzinfo=JST),
     [datetime(2026, 11, d, 4, tzinfo=JST) for d in (28, 29, 30)]),
    (Weekly(0, time(9, 0)), datetime(2026, 11, 20, 9, tzinfo=JST), datetime(2026, 12, 7, 9, tzinfo=JST),
     [datetime(2026, 11, 23, 9, tzinfo=JST), datetime(2026, 11, 30, 9, tzinfo=JST),
      datetime(2026, 12, 7, 9, tzinfo=JST)]),
])
def test_slots_between_are_the_schedules_own_slots_oldest_first(schedule, after, until, starts) -> None:
    found = slots_between(schedule, after, until)
    assert [s.start for s in found] == starts
    assert [s.key for s in found] == [schedule.slot_at(start).key for start in starts]


def test_a_failing_job_records_its_error_and_does_not_stop_the_others(services: Services, clock: ManualClock) -> None:
    broken, healthy = Recorder(fail_with=RuntimeError("ledger locked")), Recorder()
    scheduler = Scheduler(
        services, [Job("broken", Every(minutes=1), broken), Job("healthy", Every(minutes=1), healthy)]
    )

    results = scheduler.tick()
    assert [(r.job, r.won, r.failed, r.outcome) for r in results] == [
        ("broken", True, True, "error: RuntimeError: ledger locked"),
        ("healthy", True, False, "ran 2026-11-22T23:58Z"),
    ]
    broken_row, healthy_row = job_runs(services)
    assert broken_row.outcome == "error: RuntimeError: ledger locked"
    assert broken_row.finished_at == clock.now()
    assert healthy_row.outcome == "ran 2026-11-22T23:58Z"

    # The failed slot is not retried; the next slot runs the job again.
    assert scheduler.tick() == []
    clock.advance(60)
    assert [(r.job, r.won) for r in scheduler.tick()] == [("broken", True), ("healthy", True)]
    assert broken.slots == ["2026-11-22T23:58Z", "2026-11-22T23:59Z"]


def test_a_crashed_run_keeps_its_slot_and_the_next_slot_runs(services: Services, clock: ManualClock) -> None:
    # A replica claimed the slot and died mid-run: the row exists with finished_at NULL.
    assert claim(services.session_factory, "digest", "2026-11-22T23:55Z", "dead-host:1:x", clock.now())
    recorder = Recorder()
    scheduler = Scheduler(services, [Job("digest", Every(minutes=5), recorder)])

    assert [(r.slot, r.won) for r in scheduler.tick()] == [("2026-11-22T23:55Z", False)]
    assert recorder.slots == []
    clock.set(utc(2026, 11, 23, 0, 0))
    assert [(r.slot, r.won) for r in scheduler.tick()] == [("2026-11-23T00:00Z", True)]
    crashed, next_run = job_runs(services)
    assert (crashed.finished_at, crashed.outcome) == (None, None)
    assert next_run.finished_at is not None


def test_grace_skips_a_slot_noticed_too_late(services: Services, clock: ManualClock) -> None:
    recorder = Recorder()
    job = Job("digest", Weekly(0, time(9, 0)), recorder, grace=timedelta(hours=6))
    # 08:58 JST Monday: the current slot (last week's) began a week ago — skipped, nothing claimed.
    assert [(r.slot, r.skipped) for r in Scheduler(services, [job]).tick()] == [("2026-W47", True)]
    assert job_runs(services) == []
    clock.advance(timedelta(minutes=2, seconds=30))  # 09:00:30 JST: this week's slot, on time
    assert [(r.slot, r.won) for r in Scheduler(services, [job]).tick()] == [("2026-W48", True)]
    assert recorder.slots == ["2026-W48"]


# -- the registered housekeeping jobs -------------------------------------------------------------


def test_housekeeping_jobs_prune_old_rows(services: Services, clock: ManualClock) -> None:
    now = clock.now()
    with transaction(services.session_factory) as session:
        session.add_all(
            [
                ProcessedEvent(event_id="Ev_old", event_type="message", received_at=now - timedelta(days=8)),
                ProcessedEvent(event_id="Ev_new", event_type="message", received_at=now - timedelta(days=1)),
                JobRun(job="digest", slot="2026-W30", claimed_by="h:1:x", claimed_at=now - timedelta(days=120)),
                JobRun(job="digest", slot="2026-W47", claimed_by="h:1:x", claimed_at=now - timedelta(days=6)),
            ]
        )

    results = {r.job: r for r in Scheduler(services, JOBS).tick()}  # the registry

    assert set(results) == {job.name for job in JOBS}
    assert {"forget-processed-events", "prune-job-runs"} <= set(results)
    assert results["forget-processed-events"].outcome == "deleted 1 processed event ids"
    assert results["prune-job-runs"].outcome == "deleted 1 job runs older than 90 days"
    # 04:00/04:10 JST daily slots: at 08:58 JST on 2026-11-23 today's slot is due.
    housekeeping = ("forget-processed-events", "prune-job-runs")
    assert {results[name].slot for name in housekeeping} == {"2026-11-23"}
    with services.session_factory() as session:
        assert session.scalars(select(ProcessedEvent.event_id)).all() == ["Ev_new"]
        assert session.scalar(select(func.count()).select_from(JobRun).where(JobRun.slot == "2026-W30")) == 0


# -- the long-running loop ------------------------------------------------------------------------


def test_run_scheduler_runs_jobs_in_the_background_and_stops_cleanly(services: Services) -> None:
    recorder = Recorder()
    stop = threading.Event()
    exit_codes: list[int] = []
    # Not the main thread, so run_scheduler leaves signal handlers alone; stop_event ends it.
    runner = threading.Thread(
        target=lambda: exit_codes.append(
            run_scheduler(services, jobs=[Job("probe", Every(seconds=1), recorder)], stop_event=stop)
        )
    )
    runner.start()
    try:
        deadline = walltime.monotonic() + 15
        while not recorder.slots and walltime.monotonic() < deadline:
            walltime.sleep(0.05)
        # The ManualClock stands still: APScheduler keeps firing but the slot never changes.
        walltime.sleep(1.5)
    finally:
        stop.set()
        runner.join(15)
    assert not runner.is_alive()
    assert exit_codes == [0]
    assert recorder.slots == ["2026-11-22T23:58:00Z"]
    [row] = job_runs(services)
    assert row.outcome == "ran 2026-11-22T23:58:00Z"


# -- slot functions (pure) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "key", "start"),
    [
        # Monday 09:00 in Tokyo is Monday 00:00 UTC: one second earlier is still last week.
        (utc(2026, 11, 22, 23, 59, 59), "2026-W47", utc(2026, 11, 16, 0, 0)),
        (utc(2026, 11, 23, 0, 0), "2026-W48", utc(2026, 11, 23, 0, 0)),
        # Monday 00:30 in Tokyo (Sunday 15:30 UTC) is before 09:00: still the previous week.
        (utc(2026, 11, 29, 15, 30), "2026-W48", utc(2026, 11, 23, 0, 0)),
        (utc(2026, 11, 30, 0, 0), "2026-W49", utc(2026, 11, 30, 0, 0)),
        # The same instants given in JST give the same slots.
        (datetime(2026, 11, 23, 9, 0, tzinfo=JST), "2026-W48", utc(2026, 11, 23, 0, 0)),
        # ISO week-years: 2026 has 53 weeks; Monday 2027-01-04 opens 2027-W01.
        (utc(2026, 12, 28, 0, 0), "2026-W53", utc(2026, 12, 28, 0, 0)),
        (utc(2027, 1, 3, 23, 59), "2026-W53", utc(2026, 12, 28, 0, 0)),
        (utc(2027, 1, 4, 0, 0), "2027-W01", utc(2027, 1, 4, 0, 0)),
    ],
)
def test_weekly_monday_0900_tokyo(now: datetime, key: str, start: datetime) -> None:
    slot = Weekly(0, time(9, 0), "Asia/Tokyo").slot_at(now)
    assert (slot.key, slot.start) == (key, start)


def test_weekly_follows_local_time_across_dst() -> None:
    weekly = Weekly(0, time(9, 0), "America/New_York")
    # 09:00 EST = 14:00 UTC before the 2026-03-08 change, 09:00 EDT = 13:00 UTC after it.
    assert weekly.slot_at(utc(2026, 3, 2, 14, 0)).start == utc(2026, 3, 2, 14, 0)
    assert weekly.slot_at(utc(2026, 3, 9, 12, 59)).key == "2026-W10"
    assert weekly.slot_at(utc(2026, 3, 9, 13, 0)).start == utc(2026, 3, 9, 13, 0)
    # 2026-11-01 01:00–02:00 happens twice in New York; at 06:00 UTC (the second 01:00, EST) the
    # daily 01:30 slot (first 01:30 = 05:30 UTC) has begun, though the wall clock reads earlier.
    assert Daily(time(1, 30), "America/New_York").slot_at(utc(2026, 11, 1, 6, 0)).key == "2026-11-01"


@pytest.mark.parametrize(
    ("schedule", "now", "key"),
    [
        (Every(minutes=5), utc(2026, 11, 23, 9, 4, 59), "2026-11-23T09:00Z"),
        (Every(minutes=5), utc(2026, 11, 23, 9, 5, 0), "2026-11-23T09:05Z"),
        (Every(minutes=15), utc(2026, 12, 31, 23, 59, 59), "2026-12-31T23:45Z"),
        (Every(minutes=15), utc(2027, 1, 1, 0, 0, 1), "2027-01-01T00:00Z"),
        (Every(minutes=5), datetime(2026, 11, 23, 18, 7, tzinfo=JST), "2026-11-23T09:05Z"),
        (Every(hours=1), utc(2026, 11, 23, 9, 59, 59), "2026-11-23T09:00Z"),
        (Every(seconds=1), datetime(2026, 11, 23, 9, 0, 7, 999_999, tzinfo=UTC), "2026-11-23T09:00:07Z"),
        (Every(seconds=30), utc(2026, 11, 23, 9, 0, 45), "2026-11-23T09:00:30Z"),
        (Daily(time(4, 0)), utc(2026, 11, 22, 18, 59), "2026-11-22"),  # 03:59 JST
        (Daily(time(4, 0)), utc(2026, 11, 22, 19, 0), "2026-11-23"),  # 04:00 JST
    ],
)
def test_slot_keys(schedule: Every | Daily, now: datetime, key: str) -> None:
    assert schedule.slot_at(now).key == key


def test_slot_functions_reject_bad_input() -> None:
    with pytest.raises(ValueError):
        Weekly(0, time(9, 0)).slot_at(datetime(2026, 11, 23, 9, 0))  # naive
    with pytest.raises(ValueError):
        Every()
    with pytest.raises(ValueError):
        Weekly(7, time(9, 0))
    with pytest.raises(ValueError, match="duplicate"):
        Scheduler(None, [JOBS[0], JOBS[0]])  # type: ignore[arg-type]


# -- what the scheduler tells an operator: nothing while idle, one line per run that did something, and
# one line when the database stops answering and one when it answers again, never one per check --------


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def at(self, level: int) -> list[str]:
        return [f"{r.levelname} {r.name}: {r.getMessage()}" for r in self.records if r.levelno == level]

    def clear(self) -> None:
        self.records.clear()


@pytest.fixture
def logged() -> Iterator[Lines]:
    """Logging as `madoguchi` configures it at LOG_LEVEL=INFO (restored afterwards)."""
    root = logging.getLogger()
    saved_root = (root.handlers[:], root.level)
    saved = {name: logging.getLogger(name).level for name in [*CONTENT_FLOORS, "slack_bolt.App"]}
    configure("INFO")
    lines = Lines()
    root.addHandler(lines)
    try:
        yield lines
    finally:
        root.handlers[:], level = saved_root
        root.setLevel(level)
        for name, lvl in saved.items():
            logging.getLogger(name).setLevel(lvl)


def test_an_idle_scheduler_writes_no_info_line_over_a_working_day(services, clock, logged):
    """The real jobs, checked once a minute through a Tuesday's working hours with nothing to do."""
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=JST))  # Monday's digest is not this day's business
    scheduler = Scheduler(services, JOBS)
    for _ in range(9 * 60):
        clock.advance(timedelta(minutes=1))
        scheduler.tick()

    assert logged.at(logging.INFO) == []
    assert logged.at(logging.WARNING) == [] and logged.at(logging.ERROR) == []


def test_a_run_that_did_something_is_one_info_line(services, clock, logged):
    scheduler = Scheduler(services, [Job("probe", Every(minutes=5), Recorder())])
    scheduler.tick()

    assert len(logged.at(logging.INFO)) == 1 and "probe" in logged.at(logging.INFO)[0]


def test_apscheduler_announces_no_check_at_info(services, logged):
    """APScheduler's own 'Running job … / … executed successfully' for every trigger: 12 lines a minute."""
    scheduler = Scheduler(services, [Job("probe", Every(seconds=1), lambda _s, _slot: None)])
    scheduler.start()
    try:
        walltime.sleep(2.5)
    finally:
        scheduler.stop()

    assert [line for line in logged.at(logging.INFO) if "apscheduler" in line] == []


# -- the database going away -------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("outage", ["refuse", "blackhole"])
def test_the_scheduler_outlives_a_database_outage_saying_so_once(database_url, logged, outage):
    """PostgreSQL behind a proxy that cuts (refuse) or silences (blackhole) every connection for a few
    seconds of 1-second slots: one warning, one recovery line, jobs run again, no thread dies.

    A connection per checkout and a connect timeout bound each call here, so the outage is met at
    connect; a query hanging on a connection that went silent mid-way is bounded by the engine's
    timeouts (models/db.py make_engine)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the proxy stands in front of PostgreSQL")
    url = make_url(database_url)
    with tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        engine = create_engine(normalise_url(proxied), poolclass=NullPool, connect_args={"connect_timeout": 1})
        upgrade(engine)
        services = build_services(Settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL="http://127.0.0.1:9/api/",
                                           DATABASE_URL=proxied), engine=engine, clock=SystemClock())
        recorder = Recorder()
        scheduler = Scheduler(services, [Job("probe", Every(seconds=1), recorder)])
        threads_before = threading.active_count()
        scheduler.start()
        try:
            wait_for(lambda: len(recorder.slots) >= 1)
            getattr(proxy, outage)()
            walltime.sleep(1.5)  # a run in flight when the outage began finishes or fails
            ran_before = len(recorder.slots)
            walltime.sleep(4)  # several checks fail
            assert len(recorder.slots) <= ran_before + 1
            proxy.heal()
            wait_for(lambda: len(recorder.slots) >= ran_before + 3, timeout=20)  # it runs jobs again
        finally:
            scheduler.stop()  # the run in hand finishes while the proxy still forwards
            services.close()

    warnings = logged.at(logging.WARNING)
    assert len(warnings) == 1 and "wait for the database" in warnings[0], warnings
    recoveries = [line for line in logged.at(logging.INFO) if "answers again" in line]
    assert len(recoveries) == 1, logged.at(logging.INFO)
    assert logged.at(logging.ERROR) == []
    assert threading.active_count() <= threads_before + 12  # APScheduler's pool, not a leak per check


class Querier:
    """A job body that asks the database something, on the pooled connection it was last given."""

    def __init__(self) -> None:
        self.answered: list[str] = []

    def __call__(self, services: Services, slot: str) -> None:
        with services.session_factory() as session:
            session.execute(select(func.count()).select_from(JobRun)).scalar()
        self.answered.append(slot)


@pytest.mark.postgres
def test_a_job_whose_pooled_connection_goes_silent_mid_query_is_cut_and_the_scheduler_carries_on(
        database_url, logged):
    """The connection a job holds stops carrying data (a failover, an idle timeout in a load balancer):
    libpq waits forever and APScheduler skips every later check behind it. The job's deadline cuts the
    connection, and after the database answers again jobs run as before."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the proxy stands in front of PostgreSQL")
    url = make_url(database_url)
    with tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        engine = make_engine(proxied, pool_size=2, max_overflow=0)
        upgrade(engine)
        services = build_services(Settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL="http://127.0.0.1:9/api/",
                                           DATABASE_URL=proxied), engine=engine, clock=SystemClock())
        querier = Querier()
        scheduler = Scheduler(services, [Job("probe", Every(seconds=1), querier)])
        scheduler.db_deadline_s = 2.0
        scheduler.start()
        try:
            wait_for(lambda: len(querier.answered) >= 2)
            proxy.blackhole()  # the pooled connections go silent, mid-way or at their next query
            walltime.sleep(3)
            stalled_at = len(querier.answered)
            proxy.heal()
            wait_for(lambda: len(querier.answered) >= stalled_at + 3, timeout=20)
        finally:
            scheduler.stop(wait=False)
            services.close()
    assert any("deadline" in line for line in logged.at(logging.WARNING)), logged.at(logging.WARNING)


def wait_for(condition, timeout: float = 15) -> None:  # type: ignore[no-untyped-def]
    deadline = walltime.monotonic() + timeout
    while not condition():
        assert walltime.monotonic() < deadline, "timed out"
        walltime.sleep(0.05)


def test_a_check_that_hangs_is_reported_once_and_its_end_once(services, logged):
    """A call that never answers (a connection gone silent before any timeout fires) holds its check;
    APScheduler skips the next ones, which is said once, not at every trigger."""
    release = threading.Event()
    calls: list[str] = []

    def hangs(_services: Services, slot: str) -> str:
        calls.append(slot)
        release.wait(10)
        return "done"

    scheduler = Scheduler(services, [Job("hangs", Every(seconds=1), hangs)])
    scheduler.stuck_after_s = 1.0
    services.clock = SystemClock()  # new slots every second, so later checks have something to do
    scheduler.start()
    try:
        wait_for(lambda: calls)
        walltime.sleep(4)  # about three triggers skipped
        release.set()
        count = len(calls)
        wait_for(lambda: len(calls) > count)  # checks resumed
    finally:
        release.set()
        scheduler.stop()

    warnings = logged.at(logging.WARNING)
    assert len(warnings) == 1 and "has been running" in warnings[0], warnings
    assert len([line for line in logged.at(logging.INFO) if "long check ended" in line]) == 1, logged.at(logging.INFO)
