"""The one date format per language (bot/i18n/dates.py): what every message, card and form shows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.i18n.dates import format_date, format_date_range, format_datetime, format_month_day

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("locale", "day", "when", "week", "axis"),
    [
        ("ja", "2026/12/03(木)", "2026/12/03(木) 14:05", "2026/11/30(月)〜12/06(日)", "12/03"),
        ("en", "Thu, Dec 3, 2026", "Thu, Dec 3, 2026, 14:05", "Mon, Nov 30 – Sun, Dec 6, 2026", "Dec 3"),
    ],
)
def test_one_format_per_language(locale, day, when, week, axis):
    assert format_date(date(2026, 12, 3), locale) == day
    assert format_date("2026-12-03", locale) == day
    assert format_datetime(datetime(2026, 12, 3, 5, 5, tzinfo=UTC), locale, TOKYO) == when
    assert format_date_range(date(2026, 11, 30), date(2026, 12, 6), locale) == week
    assert format_month_day(date(2026, 12, 3), locale) == axis


def test_a_range_across_new_year_names_both_years_and_a_stored_non_date_is_shown_as_it_was():
    assert format_date_range(date(2026, 12, 28), date(2027, 1, 3), "ja") == "2026/12/28(月)〜2027/01/03(日)"
    assert format_date_range(date(2026, 12, 28), date(2027, 1, 3), "en") == "Mon, Dec 28, 2026 – Sun, Jan 3, 2027"
    assert format_date("来週", "ja") == "来週"
    assert format_datetime(datetime(2026, 12, 3, 5, 5), "en", TOKYO) == "Thu, Dec 3, 2026, 14:05"  # naive = UTC
