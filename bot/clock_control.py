"""The playground's simulated clock shared across processes, for benches and tests that run the real
`serve` replicas and `scheduler` against a local fake Slack (bench/month.py).

The playground moves time inside its own process (bot/playground/clock.py: real time flowing plus a
skipped-ahead offset). A multi-process run needs every process to read the same offset: with
MADOGUCHI_CLOCK_FILE set, each process's clock is that SimulatedClock with its offset read from the file,
which only the driver writes (`SharedClock.advance`). Like the playground, it exists only against a local
fake Slack: the variable next to a SLACK_API_URL that is not on this machine stops the start (a production
`serve` talks to slack.com and never has a movable clock)."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.playground.clock import SimulatedClock
from bot.settings import Settings, StartupFailed, is_loopback_url

CLOCK_FILE_ENV = "MADOGUCHI_CLOCK_FILE"
REREAD_S = 0.02  # the offset file is read at most this often (now() is asked many times a request)


class SharedClock(SimulatedClock):
    """Real time plus the offset (seconds) stored in `path`; only ever moves forward."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = Path(path)
        self._read_at = 0.0
        self._cached = timedelta(0)
        self._file_lock = threading.Lock()

    @property
    def offset(self) -> timedelta:
        with self._file_lock:
            mono = time.monotonic()
            if mono - self._read_at >= REREAD_S:
                try:
                    seconds = float(self.path.read_text(encoding="ascii").strip() or 0)
                except (OSError, ValueError):  # mid-replace on some filesystems: keep the last value
                    seconds = self._cached.total_seconds()
                self._cached = max(self._cached, timedelta(seconds=seconds))
                self._read_at = mono
            return self._cached

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> datetime:
        """The driver's side: write the new offset (atomically: a reader sees the old or the new one)."""
        if delta < timedelta(0):
            raise ValueError("the simulated clock only moves forward")
        with self._file_lock:
            self._read_at = 0.0
        target = self.offset + delta
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(f"{target.total_seconds():.6f}", encoding="ascii")
        os.replace(tmp, self.path)
        with self._file_lock:
            self._cached, self._read_at = target, time.monotonic()
        return datetime.now(UTC) + target

    @classmethod
    def create(cls, path: Path, start: datetime) -> SharedClock:
        """A fresh clock file whose simulated now is `start` (aware)."""
        path.write_text(f"{(start - datetime.now(UTC)).total_seconds():.6f}", encoding="ascii")
        return cls(path)


def clock_from_environment(settings: Settings) -> SharedClock | None:
    """The shared simulated clock when MADOGUCHI_CLOCK_FILE is set and Slack is a local fake; None when
    the variable is unset. Set next to a real Slack, the start fails with one line saying why."""
    path = _bench_only(settings, CLOCK_FILE_ENV, "moves time")
    if not path:
        return None
    if not Path(path).is_file():
        raise StartupFailed(f"{CLOCK_FILE_ENV}={path}: no such file")
    return SharedClock(Path(path))


LANE_INTERVAL_ENV = "MADOGUCHI_OUTBOX_LANE_INTERVAL_S"


def lane_interval_from_environment(settings: Settings) -> float | None:
    """The outbox's pace per channel (chat.postMessage: one a second per channel, Slack's own limit) for a
    bench that compresses a month of posts into an hour against a local fake Slack, which has no such
    limit; None when unset. Set next to a real Slack, the start fails with one line saying why."""
    raw = _bench_only(settings, LANE_INTERVAL_ENV, "paces posts")
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 60:
        raise StartupFailed(f"{LANE_INTERVAL_ENV}={raw}: seconds between 0 and 60")
    return seconds


def _bench_only(settings: Settings, name: str, what: str) -> str:
    """The variable's value ("" when unset); set next to a real Slack, the start stops with one line."""
    value = os.environ.get(name, "").strip()
    if value and not is_loopback_url(settings.slack_api_url):
        raise StartupFailed(f"{name} {what} for benches and tests against a local fake Slack only; "
                            "unset it (SLACK_API_URL is not on this machine)")
    return value


def check_bench_controls(settings: Settings) -> None:
    """A process about to start: a bench control next to a real Slack stops it here, before any call."""
    clock_from_environment(settings)
    lane_interval_from_environment(settings)


FOLLOW_EVERY_S = 0.1


def follow_clock(services: object, stop: threading.Event) -> threading.Thread | None:
    """In a `scheduler` process under a shared clock: check the jobs' slots every FOLLOW_EVERY_S of real
    time, so a jump of the simulated clock is seen at once (the APScheduler triggers fire on real time)."""
    from bot.jobs import JOBS
    from bot.scheduler import Scheduler

    if not isinstance(getattr(services, "clock", None), SharedClock):
        return None
    scheduler = Scheduler(services, JOBS)  # type: ignore[arg-type]

    def run() -> None:
        while not stop.wait(FOLLOW_EVERY_S):
            with contextlib.suppress(Exception):  # the next tick tries again; the scheduler logged it
                scheduler.tick()

    thread = threading.Thread(target=run, name="clock-follow", daemon=True)
    thread.start()
    return thread
