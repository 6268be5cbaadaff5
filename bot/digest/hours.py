"""Business hours between many pairs of instants, fast: the digest measures tens of thousands of tickets.

`BusinessCalendar.business_hours_between` walks the days between two instants on every call; here each
local day's working windows are fetched once (from the calendar, so holidays and company days off are
the calendar's) and the answer is cum(b) − cum(a), cum being the business seconds since the first day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.calendar import BusinessCalendar


class BusinessHours:
    def __init__(self, calendar: BusinessCalendar):
        self.calendar = calendar
        self._days: dict[object, tuple[float, list[tuple[float, float]]]] = {}  # day → (cum at day start, windows)
        self._first = self._last = None
        self._cum_end: float = 0.0

    def _day(self, day):
        hit = self._days.get(day)
        if hit is not None:
            return hit
        if self._first is None:
            self._first = self._last = day
            self._add(day, 0.0)
        while day > self._last:  # extend forwards
            self._last += timedelta(days=1)
            self._add(self._last, self._cum_end)
        while day < self._first:  # extend backwards: shift by the new day's business seconds
            self._first -= timedelta(days=1)
            windows = self._windows(self._first)
            seconds = sum(b - a for a, b in windows)
            self._days = {d: (c + seconds, w) for d, (c, w) in self._days.items()}
            self._cum_end += seconds
            self._days[self._first] = (0.0, windows)
        return self._days[day]

    def _windows(self, day) -> list[tuple[float, float]]:
        tz = self.calendar.tz
        start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
        return [(a.timestamp(), b.timestamp()) for a, b in self.calendar.working_windows(start, end)]

    def _add(self, day, cum: float) -> None:
        windows = self._windows(day)
        self._days[day] = (cum, windows)
        self._cum_end = cum + sum(b - a for a, b in windows)

    def _cum(self, instant: datetime) -> float:
        day = instant.astimezone(self.calendar.tz).date()
        cum, windows = self._day(day)
        t = instant.astimezone(UTC).timestamp()
        return cum + sum(min(b, t) - a for a, b in windows if t > a)

    def between(self, a: datetime, b: datetime) -> float:
        """Business hours in [a, b] (0 when b <= a), equal to calendar.business_hours_between(a, b)."""
        if b <= a:
            return 0.0
        # Load both days first: extending the table backwards shifts every cumulative value.
        self._day(a.astimezone(self.calendar.tz).date())
        self._day(b.astimezone(self.calendar.tz).date())
        return (self._cum(b) - self._cum(a)) / 3600
