"""Dates and times as people read them: one format per locale, used everywhere a person sees one.

    ja  2026/12/03(木)          2026/12/03(木) 14:05          2026/11/30(月)〜12/06(日)
    en  Thu, Dec 3, 2026       Thu, Dec 3, 2026, 14:05      Mon, Nov 30 – Sun, Dec 6, 2026

English readers see English weekday and month names (never 木), Japanese readers the year-first
slashed date they expect from receipts and forms. Times are 24-hour, in the workspace time zone.
Names are our own tables, not strftime's %a/%b, so the process locale cannot change them.

The functions: `format_date` (a day), `format_datetime` (an instant, in a time zone), `format_date_range`
(a week or a leave period), `format_month_day` (short axis labels)."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import Any

WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def as_date(value: Any) -> date | None:
    """A day from a form value, a stored ISO string, a date or a datetime; None when it is not one."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def format_date(value: date | datetime | str, locale: str) -> str:
    """A day: 2026/12/03(木) or Thu, Dec 3, 2026. An ISO string is read first; anything that is not a
    date comes back as it was (a stored value from an older form is still shown, not dropped)."""
    day = as_date(value)
    if day is None:
        return str(value)
    if locale == "ja":
        return f"{day:%Y/%m/%d}({WEEKDAYS_JA[day.weekday()]})"
    return f"{WEEKDAYS_EN[day.weekday()]}, {MONTHS_EN[day.month - 1]} {day.day}, {day.year}"


def format_datetime(when: datetime, locale: str, tz: tzinfo | None = None) -> str:
    """An instant in `tz` (the workspace calendar's zone): 2026/12/03(木) 14:05 or Thu, Dec 3, 2026, 14:05."""
    local = when
    if tz is not None:  # a naive instant is UTC, as the database stores them
        local = (when if when.tzinfo is not None else when.replace(tzinfo=UTC)).astimezone(tz)
    day, clock = format_date(local.date(), locale), f"{local:%H:%M}"
    return f"{day} {clock}" if locale == "ja" else f"{day}, {clock}"


def format_month_day(value: date | datetime, locale: str) -> str:
    """Short, for chart axes: 12/03 or Dec 3."""
    day = as_date(value) or date.min
    return f"{day:%m/%d}" if locale == "ja" else f"{MONTHS_EN[day.month - 1]} {day.day}"


def format_date_range(start: date | datetime, end: date | datetime, locale: str) -> str:
    """A span of days: 2026/11/30(月)〜12/06(日) or Mon, Nov 30 – Sun, Dec 6, 2026 (the year once when shared)."""
    first, last = as_date(start) or date.min, as_date(end) or date.min
    if locale == "ja":
        tail = format_date(last, locale)
        if first.year == last.year:
            tail = f"{last:%m/%d}({WEEKDAYS_JA[last.weekday()]})"
        return f"{format_date(first, locale)}〜{tail}"
    if first.year == last.year:
        head = f"{WEEKDAYS_EN[first.weekday()]}, {MONTHS_EN[first.month - 1]} {first.day}"
        return f"{head} – {format_date(last, locale)}"
    return f"{format_date(first, locale)} – {format_date(last, locale)}"
