"""Business hours between many pairs of instants, fast: the digest measures tens of thousands of tickets.

`BusinessCalendar.business_hours_between` walks the days between two instants on every call; here each
local day's working windows are fetched once (from the calendar, so holidays and company days off are
the calendar's) into a table of consecutive days — the epoch of each local midnight and the business
seconds before it — and the answer is cum(b) − cum(a), each cum one bisection and at most a couple of
windows. Instants are read as epoch seconds once (`between_epochs`), so no time zone arithmetic runs
per ticket."""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime, timedelta

from bot.calendar import BusinessCalendar

MARGIN = timedelta(days=31)  # extend the table by a month at a time: rows come in no particular order


class BusinessHours:
    def __init__(self, calendar: BusinessCalendar):
        self.calendar = calendar
        self._first: date | None = None
        self._last: date | None = None
        self._starts: list[float] = []  # epoch of each day's local midnight, and of the day after the last
        self._cum: list[float] = []  # business seconds from the first day's midnight to each day's
        self._windows: list[list[tuple[float, float]]] = []  # each day's working windows, as epochs

    def _cover(self, t: float) -> None:
        if self._starts and self._starts[0] <= t < self._starts[-1]:
            return
        day = datetime.fromtimestamp(t, self.calendar.tz).date()
        first = min(day - MARGIN, self._first or day)
        last = max(day + MARGIN, self._last or day)
        self._build(first, last)

    def _build(self, first: date, last: date) -> None:
        tz = self.calendar.tz
        self._first, self._last = first, last
        self._starts, self._cum, self._windows = [], [], []
        cum = 0.0
        day = first
        while day <= last:
            start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
            end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
            windows = [(a.timestamp(), b.timestamp()) for a, b in self.calendar.working_windows(start, end)]
            self._starts.append(start.timestamp())
            self._cum.append(cum)
            self._windows.append(windows)
            cum += sum(b - a for a, b in windows)
            day += timedelta(days=1)
        self._starts.append(datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=tz).timestamp())

    def _cum_at(self, t: float) -> float:
        i = bisect_right(self._starts, t) - 1
        cum = self._cum[i]
        for a, b in self._windows[i]:
            if t > a:
                cum += min(b, t) - a
        return cum

    def between_epochs(self, a: float, b: float) -> float:
        """Business hours in [a, b] given as epoch seconds (0 when b <= a)."""
        if b <= a:
            return 0.0
        self._cover(a)
        self._cover(b)  # may rebuild the table: both cums are read after both are covered
        return (self._cum_at(b) - self._cum_at(a)) / 3600

    def between(self, a: datetime, b: datetime) -> float:
        """Business hours in [a, b] (0 when b <= a), equal to calendar.business_hours_between(a, b)."""
        return self.between_epochs(a.timestamp(), b.timestamp())
