"""The digest's fast business-hours table agrees with the calendar's own arithmetic, holidays included."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.calendar import BusinessCalendar, CalendarConfig
from bot.digest.hours import BusinessHours

CALENDAR = BusinessCalendar(CalendarConfig(company_days_off=[{"from": "2026-12-29", "to": "2027-01-03"}]))
NEW_YORK = BusinessCalendar(CalendarConfig(timezone="America/New_York", national_holidays="US"))  # DST twice a year


@pytest.mark.parametrize("calendar", [CALENDAR, NEW_YORK], ids=["tokyo", "new-york"])
def test_random_pairs_match_the_calendar_in_any_order(calendar):
    fast = BusinessHours(calendar)
    rng = random.Random(3)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(2000):
        a = base + timedelta(seconds=rng.randrange(400 * 86400))
        b = a + timedelta(seconds=rng.randrange(25 * 86400))
        assert fast.between(a, b) == pytest.approx(calendar.business_hours_between(a, b), abs=1e-6), (a, b)


def test_across_year_end_closure():
    fast = BusinessHours(CALENDAR)
    friday = datetime(2026, 12, 25, 17, 30, tzinfo=CALENDAR.tz)
    assert fast.between(friday, datetime(2027, 1, 4, 9, 30, tzinfo=CALENDAR.tz)) == pytest.approx(0.5 + 9 + 0.5)
