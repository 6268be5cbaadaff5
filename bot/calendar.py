"""The business calendar: when the back office is open, and business-time arithmetic for SLAs and reminders.

Vocabulary used throughout (and in every docstring below):

* **business day** – a date that is not a weekend day, not a national holiday and not a company day off,
  unless it is listed in ``extra_working_days`` (which wins over all three).
* **working window** – a half-open interval ``[open, close)`` of local wall-clock time on a business day:
  ``[work_start, work_end)``, or, with a lunch break, ``[work_start, break_start)`` and
  ``[break_end, work_end)``. Every business day has the same windows (no overnight shifts).
* **working time** – an instant inside a working window. The closing instant itself (18:00) is *not*
  working time; the opening instant (09:00) is.
* **business time** between two instants – the length of their overlap with the working windows, measured
  in real elapsed time (so a DST change inside a window is counted correctly).

All public methods take and return *aware* datetimes; a naive datetime raises ``ValueError`` because guessing
its zone is exactly the bug an SLA clock must not have. Results are expressed in the calendar's time zone.
Internally every instant is handled in UTC: Python compares and subtracts two datetimes that share a tzinfo
by wall clock, which is wrong across DST changes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

__all__ = ["BusinessCalendar", "CalendarConfig", "CompanyDayOff", "NoBusinessDayError"]

# Japanese weekday names for day_off_reason(); the product speaks Japanese first.
_WEEKDAY_JA = ("月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日", "日曜日")
_WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Accepted spellings in the config, all mapped to a weekday number (Monday == 0).
_WEEKDAY_ALIASES: dict[str, int] = {}
for _i, (_key, _ja) in enumerate(zip(_WEEKDAY_KEYS, _WEEKDAY_JA, strict=True)):
    _full = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[_i]
    for _alias in (_key, _full, _ja, _ja[:2], _ja[0]):  # "sat", "saturday", "土曜日", "土曜", "土"
        _WEEKDAY_ALIASES[_alias] = _i

_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")

# A calendar that closes for this many consecutive days is treated as broken rather than walked forever.
_MAX_CLOSED_STREAK_DAYS = 3660


class NoBusinessDayError(ValueError):
    """Raised when a search walks more than ~10 years without meeting a business day (a broken config)."""


def _parse_clock(value: Any) -> Any:
    """Turn "09:00" / "9:00" / "09:00:30" into a ``time``; explain the YAML trap for numbers."""
    if isinstance(value, int | float):  # bool is an int too
        # PyYAML (YAML 1.1) reads an unquoted 9:00 or 18:00 as a base-60 integer (540, 1080); pydantic would
        # then silently take it as seconds after midnight. Refuse and say how to fix it.
        raise ValueError(
            f"write the time as a quoted string such as '09:00' (got the number {value!r}; "
            "YAML reads an unquoted 18:00 as a number)"
        )
    if isinstance(value, str):
        match = _TIME_RE.match(value.strip())
        if match is None:
            raise ValueError(f"expected a time of day as 'HH:MM', got {value!r}")
        hour, minute, second = match.groups()
        return time(int(hour), int(minute), int(second or 0))
    if isinstance(value, time) and value.tzinfo is not None:
        raise ValueError("a time of day must not carry a time zone; the calendar's `timezone` applies")
    return value


class CompanyDayOff(BaseModel):
    """One company closure: a single date or an inclusive date range.

    YAML accepts ``2026-05-01``, ``{date: 2026-05-01, name: 創立記念日}`` or
    ``{from: 2026-12-29, to: 2027-01-03, name: 年末年始}``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    start: date = Field(alias="from")
    end: date | None = Field(default=None, alias="to", description="inclusive; omitted → a single day")
    name: str = Field(default="休業日", min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, date | str):
            return {"from": data}
        if isinstance(data, dict) and "date" in data:
            if "from" in data or "start" in data or "to" in data or "end" in data:
                raise ValueError("use either `date` (one day) or `from`/`to` (a range), not both")
            rest = {k: v for k, v in data.items() if k != "date"}
            return {"from": data["date"], **rest}
        return data

    @field_validator("end")
    @classmethod
    def _end_not_before_start(cls, end: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("start")
        if end is not None and start is not None and end < start:
            raise ValueError(f"`to` ({end}) is before `from` ({start})")
        return end

    @property
    def last(self) -> date:
        """The last closed date (inclusive)."""
        return self.end if self.end is not None else self.start

    def dates_in_year(self, year: int) -> Iterator[date]:
        """The closed dates of this entry that fall in ``year``."""
        first = max(self.start, date(year, 1, 1))
        last = min(self.last, date(year, 12, 31))
        for offset in range((last - first).days + 1):
            yield first + timedelta(days=offset)


class CalendarConfig(BaseModel):
    """The ``calendar:`` section of the workspace config.

    Defaults describe a typical Japanese office: Asia/Tokyo, 09:00-18:00, Saturday and Sunday off, Japanese
    national holidays (incl. 振替休日 and 国民の休日) from the ``holidays`` package.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = Field(default="Asia/Tokyo", description="IANA time zone name")
    work_start: time = Field(default=time(9, 0), description="opening time, 'HH:MM' (quote it in YAML)")
    work_end: time = Field(default=time(18, 0), description="closing time, after work_start, same day")
    break_start: time | None = Field(default=None, description="lunch break start; needs break_end")
    break_end: time | None = Field(default=None, validate_default=True, description="lunch break end")
    weekend: tuple[str, ...] = Field(default=("sat", "sun"), description="weekday names: sat, sunday, 土, …")
    national_holidays: str | None = Field(
        default="JP", description="country code for the `holidays` package; null disables national holidays"
    )
    holiday_subdivision: str | None = Field(default=None, description="e.g. a US state code; rarely needed")
    holiday_language: str | None = Field(
        default=None, description="language of holiday names; default: the country's own (ja for JP)"
    )
    company_days_off: tuple[CompanyDayOff, ...] = ()
    extra_working_days: tuple[date, ...] = Field(
        default=(), description="dates the office opens although they are weekend days or holidays"
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (expected an IANA name such as 'Asia/Tokyo')"
            ) from None
        return value

    @field_validator("work_start", "work_end", "break_start", "break_end", mode="before")
    @classmethod
    def _clock(cls, value: Any) -> Any:
        return _parse_clock(value)

    @field_validator("work_end")
    @classmethod
    def _end_after_start(cls, end: time, info: ValidationInfo) -> time:
        start = info.data.get("work_start")
        if start is not None and end <= start:
            raise ValueError(
                f"work_end ({end:%H:%M}) must be after work_start ({start:%H:%M}); "
                "overnight shifts are not supported"
            )
        return end

    @field_validator("break_end")
    @classmethod
    def _break_inside_day(cls, end: time | None, info: ValidationInfo) -> time | None:
        # Checked on break_end (validated last of the four) so the error names a field, not the model.
        start = info.data.get("break_start")
        if "break_start" not in info.data:
            return end  # break_start itself was invalid and is reported already
        if (start is None) != (end is None):
            raise ValueError("break_start and break_end must be given together")
        if start is None or end is None:
            return end
        if end <= start:
            raise ValueError(f"break_end ({end:%H:%M}) must be after break_start ({start:%H:%M})")
        work_start, work_end = info.data.get("work_start"), info.data.get("work_end")
        if work_start is not None and work_end is not None and not (work_start < start and end < work_end):
            # Strictly inside, so each working window has a positive length.
            raise ValueError(
                f"the break {start:%H:%M}-{end:%H:%M} must lie strictly inside working hours "
                f"{work_start:%H:%M}-{work_end:%H:%M}"
            )
        return end

    @field_validator("weekend", mode="before")
    @classmethod
    def _weekday_names(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple | set | frozenset):
            raise ValueError("expected a list of weekday names such as [sat, sun]")
        numbers: set[int] = set()
        for item in value:
            key = str(item).strip().lower()
            if key not in _WEEKDAY_ALIASES:
                raise ValueError(f"unknown weekday {item!r} (use mon, tue, …, sun)")
            numbers.add(_WEEKDAY_ALIASES[key])
        if len(numbers) == 7:
            raise ValueError("every weekday is a weekend day; the office would never open")
        return tuple(_WEEKDAY_KEYS[n] for n in sorted(numbers))

    @field_validator("national_holidays")
    @classmethod
    def _supported_country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.strip().upper()
        if code not in holidays.list_supported_countries():
            raise ValueError(f"the holidays package has no calendar for country {value!r}")
        return code

    @field_validator("holiday_subdivision")
    @classmethod
    def _supported_subdivision(cls, value: str | None, info: ValidationInfo) -> str | None:
        country = info.data.get("national_holidays")
        if value is None or country is None:
            return value
        if value not in holidays.list_supported_countries()[country]:
            raise ValueError(f"{country} has no subdivision {value!r} in the holidays package")
        return value

    @field_validator("holiday_language")
    @classmethod
    def _supported_language(cls, value: str | None, info: ValidationInfo) -> str | None:
        country = info.data.get("national_holidays")
        if value is None or country is None:
            return value
        supported = holidays.country_holidays(country, years=[]).supported_languages
        if value not in supported:
            raise ValueError(f"holiday names for {country} exist in {', '.join(supported)}, not {value!r}")
        return value

    @field_validator("extra_working_days")
    @classmethod
    def _not_also_closed(cls, days: tuple[date, ...], info: ValidationInfo) -> tuple[date, ...]:
        for day in days:
            for off in info.data.get("company_days_off", ()):
                if off.start <= day <= off.last:
                    raise ValueError(f"{day} is both an extra working day and a company day off ({off.name})")
        return days

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _require_aware(dt: datetime, name: str = "dt") -> datetime:
    if not isinstance(dt, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{name} is a naive datetime ({dt.isoformat()}); pass an aware datetime")
    return dt.astimezone(UTC)


class BusinessCalendar:
    """Business days, working hours and business-time arithmetic for one :class:`CalendarConfig`.

    Instances are cheap to query and safe to share between threads: the only state is a per-year cache of
    closed days (recomputing a year twice under a race is harmless). Every walk goes day by day, never
    minute by minute, so a computation costs O(days spanned).
    """

    def __init__(self, config: CalendarConfig | None = None) -> None:
        self.config = config if config is not None else CalendarConfig()
        self.tz = self.config.zone
        self._weekend = frozenset(_WEEKDAY_KEYS.index(key) for key in self.config.weekend)
        self._extra_working = frozenset(self.config.extra_working_days)
        self._closed_by_year: dict[int, dict[date, str]] = {}
        # Working windows as (open, close) wall-clock pairs, identical on every business day.
        cfg = self.config
        if cfg.break_start is not None and cfg.break_end is not None:
            self._clock_windows = ((cfg.work_start, cfg.break_start), (cfg.break_end, cfg.work_end))
        else:
            self._clock_windows = ((cfg.work_start, cfg.work_end),)

    @property
    def working_day_hours(self) -> float:
        """The length of one ordinary working day in hours (breaks excluded): what "1 business day" means
        when business hours are worded as days."""
        total = 0.0
        for open_clock, close_clock in self._clock_windows:
            total += (close_clock.hour * 60 + close_clock.minute - open_clock.hour * 60 - open_clock.minute) / 60
        return total

    # ---------------------------------------------------------------- days

    def _closed_days(self, year: int) -> dict[date, str]:
        """Every closed date of ``year`` with its reason; built once per year, then a dict lookup."""
        closed = self._closed_by_year.get(year)
        if closed is not None:
            return closed
        closed = {}
        day = date(year, 1, 1)
        while day.year == year:
            if day.weekday() in self._weekend:
                closed[day] = _WEEKDAY_JA[day.weekday()]
            day += timedelta(days=1)
        # Later sources overwrite earlier ones: a national holiday's name is the most specific reason
        # (元日 rather than 年末年始 rather than 金曜日).
        for off in self.config.company_days_off:
            for closed_day in off.dates_in_year(year):
                closed[closed_day] = off.name
        country = self.config.national_holidays
        if country is not None:
            # The language is always explicit: left to itself the package picks it from the process locale
            # (LANG=C gives English names on a server).
            language = (
                self.config.holiday_language or holidays.country_holidays(country, years=[]).default_language
            )
            national = holidays.country_holidays(
                country, subdiv=self.config.holiday_subdivision, years=year, language=language
            )
            closed.update(national.items())
        for extra in self._extra_working:
            if extra.year == year:
                closed.pop(extra, None)
        self._closed_by_year[year] = closed
        return closed

    def _as_local_date(self, day: date) -> date:
        # A datetime is a date too; take its date in the calendar's zone rather than in its own.
        if isinstance(day, datetime):
            return _require_aware(day, "day").astimezone(self.tz).date()
        return day

    def day_off_reason(self, day: date) -> str | None:
        """Why ``day`` is closed, or ``None`` when it is a business day.

        The reason is the national holiday's name (e.g. "元日", "振替休日"), else the company day off's
        name (e.g. "年末年始"), else the weekday ("土曜日"). An aware datetime is read as its date in the
        calendar's zone; a naive datetime raises ``ValueError``.
        """
        day = self._as_local_date(day)
        return self._closed_days(day.year).get(day)

    def is_business_day(self, day: date) -> bool:
        """True when the office opens on ``day`` (see :meth:`day_off_reason`)."""
        day = self._as_local_date(day)
        return day not in self._closed_days(day.year)

    # ------------------------------------------------------------- windows

    def _at(self, day: date, clock: time) -> datetime:
        """The UTC instant of local wall-clock ``clock`` on ``day``.

        A wall time skipped by a DST jump resolves to the instant just after the jump, as zoneinfo does.
        """
        return datetime.combine(day, clock, tzinfo=self.tz).astimezone(UTC)

    def _day_windows(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working windows of ``day`` as UTC (open, close) pairs; empty on a closed day."""
        if day in self._closed_days(day.year):
            return []
        windows = []
        for open_clock, close_clock in self._clock_windows:
            opens, closes = self._at(day, open_clock), self._at(day, close_clock)
            if closes > opens:  # only a DST jump inside a window could make this false
                windows.append((opens, closes))
        return windows

    def _windows_from(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """Working windows of ``day`` and every later day, in order (UTC); endless for a sane calendar."""
        closed_streak = 0
        while True:
            windows = self._day_windows(day)
            if windows:
                closed_streak = 0
                yield from windows
            else:
                closed_streak += 1
                if closed_streak > _MAX_CLOSED_STREAK_DAYS:
                    raise NoBusinessDayError(
                        f"no business day within {_MAX_CLOSED_STREAK_DAYS} days before {day}"
                    )
            day += timedelta(days=1)

    def _windows_between(self, a: datetime, b: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working windows clipped to ``[a, b]`` (UTC in, UTC out), skipping empty pieces."""
        day, last = a.astimezone(self.tz).date(), b.astimezone(self.tz).date()
        while day <= last:
            for opens, closes in self._day_windows(day):
                start, end = max(opens, a), min(closes, b)
                if end > start:
                    yield start, end
            day += timedelta(days=1)

    def working_windows(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Yield the working time inside ``[start, end]`` as ``(open, close)`` pairs in the calendar's zone.

        Windows are clipped to the range and yielded in order; nothing is yielded when ``end <= start``.
        """
        a, b = _require_aware(start, "start"), _require_aware(end, "end")
        for opens, closes in self._windows_between(a, b):
            yield opens.astimezone(self.tz), closes.astimezone(self.tz)

    # ------------------------------------------------------------ instants

    def is_working_time(self, dt: datetime) -> bool:
        """True when ``dt`` lies inside a working window ``[open, close)`` of a business day."""
        instant = _require_aware(dt)
        return any(
            opens <= instant < closes for opens, closes in self._day_windows(self._local_date(instant))
        )

    def _local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    def _next_working_utc(self, instant: datetime) -> datetime:
        for opens, closes in self._windows_from(self._local_date(instant)):
            if instant < closes:
                return max(opens, instant)
        raise AssertionError("unreachable: _windows_from is endless or raises")  # pragma: no cover

    def next_working_time(self, dt: datetime) -> datetime:
        """``dt`` itself when it is working time, otherwise the next opening (after lunch, next business
        morning, or after a holiday). A closing instant (18:00 sharp) is not working time, so it maps to the
        next opening."""
        return self._next_working_utc(_require_aware(dt)).astimezone(self.tz)

    # ---------------------------------------------------------- business time

    def add_business_time(self, dt: datetime, amount: timedelta) -> datetime:
        """The earliest instant by which ``amount`` of working time has elapsed since ``dt``.

        Time outside working windows does not count, so a start outside working hours effectively counts
        from the next opening. The result can be a closing instant (e.g. 09:00 + 9 h → 18:00 the same day,
        not 09:00 next business day: the two are the same in business time and the earlier one is what a
        person expects to read as a due time). ``amount == 0`` returns :meth:`next_working_time` so that a
        zero SLA is never due on a Sunday. Negative amounts raise ``ValueError``.
        """
        start = _require_aware(dt)
        if amount < timedelta(0):
            raise ValueError(f"amount must not be negative, got {amount}")
        remaining = amount
        if remaining == timedelta(0):
            return self._next_working_utc(start).astimezone(self.tz)
        for opens, closes in self._windows_from(self._local_date(start)):
            if closes <= start:
                continue
            begin = max(opens, start)
            available = closes - begin
            if remaining <= available:
                return (begin + remaining).astimezone(self.tz)
            remaining -= available
        raise AssertionError("unreachable: _windows_from is endless or raises")  # pragma: no cover

    def add_business_hours(self, dt: datetime, hours: float) -> datetime:
        """:meth:`add_business_time` with a number of hours (rounded to the microsecond).

        Example (09:00-18:00): Friday 17:30 + 8 h → Monday 16:30 (0.5 h on Friday, 7.5 h on Monday).
        """
        if not math.isfinite(hours) or hours < 0:
            raise ValueError(f"hours must be a finite, non-negative number, got {hours!r}")
        return self.add_business_time(dt, timedelta(hours=hours))

    def business_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time elapsed from ``a`` to ``b`` (exact, as a timedelta).

        Antisymmetric: when ``b`` is before ``a`` the result is negative. Inverse of
        :meth:`add_business_time`: ``business_time_between(dt, add_business_time(dt, x)) == x``.
        """
        start, end = _require_aware(a, "a"), _require_aware(b, "b")
        if end < start:
            return -self.business_time_between(b, a)
        total = timedelta(0)
        for opens, closes in self._windows_between(start, end):
            total += closes - opens
        return total

    def business_hours_between(self, a: datetime, b: datetime) -> float:
        """Working hours elapsed from ``a`` to ``b`` as a float (see :meth:`business_time_between`).

        Used for SLA pauses and the age of stalled items; negative when ``b`` is before ``a``.
        """
        return self.business_time_between(a, b) / timedelta(hours=1)
