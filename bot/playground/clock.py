"""Simulated time for the playground: real time flowing, plus whatever the visitor skipped ahead.

A frozen ManualClock would stall the outbox (its per-channel pacing waits for the clock to move) and
show every message at the same minute, so the playground's clock keeps ticking and jumps forward on
demand. It never goes backwards: job slots and SLA timestamps already written stay in the past."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


class SimulatedClock:
    def __init__(self, *, real_now: Callable[[], datetime] | None = None, start: datetime | None = None) -> None:
        """`start` (aware): the simulated time right now, e.g. a Thursday afternoon for a demo or a test;
        by default the real time."""
        self._real_now = real_now or (lambda: datetime.now(UTC))
        self._offset = timedelta(0) if start is None else start - self._real_now()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._real_now() + self._offset

    def timestamp(self) -> float:
        """Seconds since the epoch, for the fake Slack's message timestamps."""
        return self.now().timestamp()

    @property
    def offset(self) -> timedelta:
        with self._lock:
            return self._offset

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("the playground clock only moves forward")
        with self._lock:
            self._offset += delta
            return self._real_now() + self._offset

    def advance_to(self, when: datetime) -> datetime:
        """Jump to `when` (aware); a moment already past leaves the clock where it is."""
        return self.advance(max(when - self.now(), timedelta(0)))


def next_weekday_at(now: datetime, weekday: int, at: time, tz: str) -> datetime:
    """The next `weekday` (0 = Monday) at `at` local time strictly after `now`, as aware UTC."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    candidate = datetime.combine(local.date(), at, tzinfo=zone)
    candidate += timedelta(days=(weekday - local.weekday()) % 7)
    if candidate <= local:
        candidate += timedelta(days=7)
    return candidate.astimezone(UTC)
