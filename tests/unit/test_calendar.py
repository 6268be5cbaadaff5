"""The business calendar against dates checked by hand (JP holidays per the `holidays` package, 2026-2027).

Handy facts for reading the cases: 2026-12-25 is a Friday; 2027-01-01 a Friday; Golden Week 2027 is
Thu 4/29 昭和の日, Sat 5/1, Sun 5/2, Mon-Wed 5/3-5/5; 2027-03-21 (春分の日) is a Sunday → Mon 3/22 振替休日;
2026-05-03 is a Sunday → Wed 5/6 振替休日; 2026-09-22 is 国民の休日 between 敬老の日 and 秋分の日.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
import yaml
from pydantic import BaseModel, ValidationError

from bot.calendar import BusinessCalendar, CalendarConfig, NoBusinessDayError

JST = ZoneInfo("Asia/Tokyo")
NY = ZoneInfo("America/New_York")

NENMATSU_FROM_28 = {"company_days_off": [{"from": "2026-12-28", "to": "2027-01-03", "name": "年末年始"}]}
NENMATSU_FROM_29 = {"company_days_off": [{"from": "2026-12-29", "to": "2027-01-03", "name": "年末年始"}]}
LUNCH = {"break_start": "12:00", "break_end": "13:00"}
NEW_YORK = {"timezone": "America/New_York", "national_holidays": "US"}


def cal(**overrides: Any) -> BusinessCalendar:
    return BusinessCalendar(CalendarConfig.model_validate(overrides))


def jst(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=JST)


def ny(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=NY)


DEFAULT = cal()


# --------------------------------------------------------------------------------------------- day_off_reason


@pytest.mark.parametrize(
    ("config", "day", "reason"),
    [
        ({}, date(2026, 12, 25), None),  # Friday, an ordinary working day
        ({}, date(2026, 12, 26), "土曜日"),
        ({}, date(2026, 12, 27), "日曜日"),
        ({}, date(2026, 12, 28), None),  # default config: no company closure
        ({}, date(2027, 1, 1), "元日"),
        ({}, date(2027, 1, 4), None),
        ({}, date(2027, 2, 11), "建国記念の日"),  # a Thursday: holiday on a weekday
        ({}, date(2027, 3, 21), "春分の日"),  # a Sunday: the holiday name wins over 日曜日
        ({}, date(2027, 3, 22), "振替休日"),
        ({}, date(2026, 5, 6), "振替休日"),
        ({}, date(2026, 9, 22), "国民の休日"),
        (NENMATSU_FROM_28, date(2026, 12, 28), "年末年始"),
        (NENMATSU_FROM_28, date(2027, 1, 1), "元日"),  # national holiday named before the company closure
        (NENMATSU_FROM_28, date(2027, 1, 2), "年末年始"),  # company closure named before the weekend
        (NENMATSU_FROM_28, date(2027, 1, 4), None),
        ({"weekend": ["fri", "sat"]}, date(2026, 12, 25), "金曜日"),
        ({"weekend": ["fri", "sat"]}, date(2026, 12, 27), None),
        ({"extra_working_days": ["2026-12-26"]}, date(2026, 12, 26), None),
        ({"extra_working_days": ["2027-01-01"]}, date(2027, 1, 1), None),
        ({"national_holidays": None}, date(2027, 1, 1), None),
        (NEW_YORK, date(2026, 7, 3), "Independence Day (observed)"),
        (NEW_YORK, date(2026, 11, 26), "Thanksgiving Day"),
    ],
)
def test_day_off_reason(config: dict[str, Any], day: date, reason: str | None) -> None:
    calendar = cal(**config)
    assert calendar.day_off_reason(day) == reason
    assert calendar.is_business_day(day) is (reason is None)


def test_golden_week_2027_is_closed_day_by_day() -> None:
    days = {date(2027, 4, 28) + timedelta(days=i): None for i in range(10)}
    got = {d: DEFAULT.day_off_reason(d) for d in days}
    assert got == {
        date(2027, 4, 28): None,
        date(2027, 4, 29): "昭和の日",
        date(2027, 4, 30): None,
        date(2027, 5, 1): "土曜日",
        date(2027, 5, 2): "日曜日",
        date(2027, 5, 3): "憲法記念日",
        date(2027, 5, 4): "みどりの日",
        date(2027, 5, 5): "こどもの日",
        date(2027, 5, 6): None,
        date(2027, 5, 7): None,
    }


def test_holiday_names_do_not_depend_on_the_process_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    # Left alone, the holidays package picks the language from LANG/LANGUAGE; we always pass it explicitly.
    monkeypatch.setenv("LANGUAGE", "en_US")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert cal().day_off_reason(date(2027, 1, 1)) == "元日"
    assert cal(holiday_language="en_US").day_off_reason(date(2027, 1, 1)) == "New Year's Day"


def test_an_aware_datetime_is_read_as_its_date_in_the_calendar_zone() -> None:
    # 2026-12-31 20:00 UTC is already 2027-01-01 05:00 in Tokyo.
    assert DEFAULT.day_off_reason(datetime(2026, 12, 31, 20, tzinfo=UTC)) == "元日"
    assert DEFAULT.is_business_day(datetime(2026, 12, 31, 14, tzinfo=UTC)) is True  # 23:00 JST on the 31st


@pytest.mark.parametrize(
    ("day", "following", "preceding"),
    [
        (date(2026, 12, 25), date(2026, 12, 28), date(2026, 12, 24)),
        (date(2027, 4, 28), date(2027, 4, 30), date(2027, 4, 27)),
        (date(2027, 4, 30), date(2027, 5, 6), date(2027, 4, 28)),
        (date(2027, 3, 19), date(2027, 3, 23), date(2027, 3, 18)),
    ],
)
def test_the_business_days_around_a_day(day: date, following: date, preceding: date) -> None:
    def closed_between(a: date, b: date) -> bool:
        return all(not DEFAULT.is_business_day(a + timedelta(days=k)) for k in range(1, (b - a).days))

    assert DEFAULT.is_business_day(following) and closed_between(day, following)
    assert DEFAULT.is_business_day(preceding) and closed_between(preceding, day)


# ------------------------------------------------------------------------------ working time and openings


@pytest.mark.parametrize(
    ("config", "dt", "working"),
    [
        ({}, jst(2026, 12, 25, 9, 0), True),  # opening instant is working time
        ({}, jst(2026, 12, 25, 8, 59, 59), False),
        ({}, jst(2026, 12, 25, 17, 59, 59), True),
        ({}, jst(2026, 12, 25, 18, 0), False),  # closing instant is not
        ({}, jst(2026, 12, 26, 10, 0), False),  # Saturday
        ({}, jst(2027, 2, 11, 10, 0), False),  # 建国記念の日, a Thursday
        ({}, jst(2027, 3, 22, 10, 0), False),  # 振替休日
        ({}, datetime(2026, 12, 25, 1, 0, tzinfo=UTC), True),  # 10:00 JST
        ({}, datetime(2026, 12, 25, 9, 30, tzinfo=UTC), False),  # 18:30 JST
        (LUNCH, jst(2026, 12, 25, 11, 59), True),
        (LUNCH, jst(2026, 12, 25, 12, 0), False),
        (LUNCH, jst(2026, 12, 25, 12, 59), False),
        (LUNCH, jst(2026, 12, 25, 13, 0), True),
        ({"extra_working_days": ["2026-12-26"]}, jst(2026, 12, 26, 10, 0), True),
    ],
)
def test_is_working_time(config: dict[str, Any], dt: datetime, working: bool) -> None:
    assert cal(**config).is_working_time(dt) is working


@pytest.mark.parametrize(
    ("config", "dt", "expected"),
    [
        ({}, jst(2026, 12, 25, 10, 15), jst(2026, 12, 25, 10, 15)),  # inside: itself
        ({}, jst(2026, 12, 25, 7, 0), jst(2026, 12, 25, 9, 0)),
        ({}, jst(2026, 12, 25, 18, 0), jst(2026, 12, 28, 9, 0)),  # Friday close → Monday
        ({}, jst(2026, 12, 26, 12, 0), jst(2026, 12, 28, 9, 0)),
        (NENMATSU_FROM_28, jst(2026, 12, 25, 18, 0), jst(2027, 1, 4, 9, 0)),
        ({}, jst(2027, 4, 28, 19, 0), jst(2027, 4, 30, 9, 0)),  # over 昭和の日
        ({}, jst(2027, 4, 30, 18, 30), jst(2027, 5, 6, 9, 0)),  # over Golden Week
        (LUNCH, jst(2026, 12, 25, 12, 10), jst(2026, 12, 25, 13, 0)),
        ({}, datetime(2026, 12, 25, 10, 0, tzinfo=UTC), jst(2026, 12, 28, 9, 0)),  # 19:00 JST Friday
    ],
)
def test_next_working_time(config: dict[str, Any], dt: datetime, expected: datetime) -> None:
    result = cal(**config).next_working_time(dt)
    assert result == expected
    assert result.tzinfo == JST  # results are expressed in the calendar's zone


# ------------------------------------------------------------------------------------------ business days


# ----------------------------------------------------------------------------------------- business hours


@pytest.mark.parametrize(
    ("case", "config", "start", "hours", "due"),
    [
        ("8h from Friday 17:30 is Monday 16:30", {}, jst(2026, 12, 25, 17, 30), 8, jst(2026, 12, 28, 16, 30)),
        (
            "ending exactly at close stays at close",
            {},
            jst(2026, 12, 25, 17, 30),
            0.5,
            jst(2026, 12, 25, 18, 0),
        ),
        ("a full day from opening ends at close", {}, jst(2026, 12, 28, 9, 0), 9, jst(2026, 12, 28, 18, 0)),
        ("just past close moves to Monday", {}, jst(2026, 12, 25, 17, 30), 1, jst(2026, 12, 28, 9, 30)),
        (
            "starting on Saturday counts from Monday",
            {},
            jst(2026, 12, 26, 10, 0),
            1,
            jst(2026, 12, 28, 10, 0),
        ),
        ("starting before opening", {}, jst(2026, 12, 28, 6, 0), 2.25, jst(2026, 12, 28, 11, 15)),
        ("over 年末年始", NENMATSU_FROM_28, jst(2026, 12, 25, 17, 30), 8, jst(2027, 1, 4, 16, 30)),
        ("over 昭和の日", {}, jst(2027, 4, 28, 17, 0), 9, jst(2027, 4, 30, 17, 0)),
        ("over Golden Week", {}, jst(2027, 4, 30, 17, 0), 2, jst(2027, 5, 6, 10, 0)),
        ("over 振替休日", {}, jst(2027, 3, 19, 17, 0), 3, jst(2027, 3, 23, 11, 0)),
        ("lunch excluded", LUNCH, jst(2026, 12, 25, 11, 0), 2, jst(2026, 12, 25, 14, 0)),
        (
            "landing on the break start stays there",
            LUNCH,
            jst(2026, 12, 25, 11, 0),
            1,
            jst(2026, 12, 25, 12, 0),
        ),
        (
            "starting in lunch counts from 13:00",
            LUNCH,
            jst(2026, 12, 25, 12, 15),
            1,
            jst(2026, 12, 25, 14, 0),
        ),
        ("an 8h lunch day is a whole day", LUNCH, jst(2026, 12, 24, 17, 0), 8, jst(2026, 12, 25, 17, 0)),
        ("lunch and the weekend", LUNCH, jst(2026, 12, 25, 17, 30), 4, jst(2026, 12, 28, 13, 30)),
        ("zero hours inside is the start", {}, jst(2026, 12, 25, 10, 0), 0, jst(2026, 12, 25, 10, 0)),
        ("zero hours outside is the next opening", {}, jst(2026, 12, 26, 10, 0), 0, jst(2026, 12, 28, 9, 0)),
        ("five 9h days", {}, jst(2026, 12, 7, 9, 0), 45, jst(2026, 12, 11, 18, 0)),
    ],
)
def test_add_business_hours(
    case: str, config: dict[str, Any], start: datetime, hours: float, due: datetime
) -> None:
    calendar = cal(**config)
    assert calendar.add_business_hours(start, hours) == due, case
    assert calendar.business_hours_between(start, due) == pytest.approx(hours), case


@pytest.mark.parametrize(
    ("case", "config", "start", "end", "hours"),
    [
        ("Friday 15:00 to Monday 11:00: 3 + 2", {}, jst(2026, 12, 25, 15, 0), jst(2026, 12, 28, 11, 0), 5),
        ("a whole weekend is nothing", {}, jst(2026, 12, 26, 0, 0), jst(2026, 12, 28, 0, 0), 0),
        (
            "Friday night to Monday night is one day",
            {},
            jst(2026, 12, 25, 20, 0),
            jst(2026, 12, 28, 20, 0),
            9,
        ),
        ("across 昭和の日: 8 + 1", {}, jst(2027, 4, 28, 10, 0), jst(2027, 4, 30, 10, 0), 9),
        ("across Golden Week: 6 + 3", {}, jst(2027, 4, 30, 12, 0), jst(2027, 5, 6, 12, 0), 9),
        (
            "across 敬老の日, 国民の休日 and 秋分の日 (9/19-9/23 off)",
            {},
            jst(2026, 9, 18, 17, 0),
            jst(2026, 9, 24, 10, 0),
            2,
        ),
        (
            "across 年末年始: 12/25 and 1/4 only",
            NENMATSU_FROM_28,
            jst(2026, 12, 25, 9, 0),
            jst(2027, 1, 4, 18, 0),
            18,
        ),
        ("lunch excluded: 10:00-15:00 is 4h", LUNCH, jst(2026, 12, 25, 10, 0), jst(2026, 12, 25, 15, 0), 4),
        ("lunch and a weekend: 3 + 2.5", LUNCH, jst(2026, 12, 25, 15, 0), jst(2026, 12, 28, 11, 30), 5.5),
        ("same instant", {}, jst(2026, 12, 25, 10, 0), jst(2026, 12, 25, 10, 0), 0),
        ("reversed is negative", {}, jst(2026, 12, 28, 11, 0), jst(2026, 12, 25, 15, 0), -5),
        ("mixed zones", {}, datetime(2026, 12, 25, 6, 0, tzinfo=UTC), jst(2026, 12, 28, 11, 0), 5),
    ],
)
def test_business_hours_between(
    case: str, config: dict[str, Any], start: datetime, end: datetime, hours: float
) -> None:
    assert cal(**config).business_hours_between(start, end) == pytest.approx(hours), case


def test_business_hours_over_a_whole_year_match_the_holiday_package() -> None:
    jp = holidays.country_holidays("JP", years=2026)
    year = [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    open_days = [d for d in year if d.weekday() < 5 and d not in jp]
    assert len(open_days) == 244  # 261 weekdays minus 17 weekday holidays (憲法記念日 2026 is a Sunday)
    assert DEFAULT.business_hours_between(jst(2026, 1, 1), jst(2027, 1, 1)) == 244 * 9


def test_working_windows_are_clipped_and_skip_closed_days() -> None:
    windows = list(cal(**LUNCH).working_windows(jst(2026, 12, 25, 11, 0), jst(2026, 12, 28, 10, 0)))
    assert windows == [
        (jst(2026, 12, 25, 11, 0), jst(2026, 12, 25, 12, 0)),
        (jst(2026, 12, 25, 13, 0), jst(2026, 12, 25, 18, 0)),
        (jst(2026, 12, 28, 9, 0), jst(2026, 12, 28, 10, 0)),
    ]
    assert list(DEFAULT.working_windows(jst(2026, 12, 28), jst(2026, 12, 25))) == []


# ------------------------------------------------------------------------------------------- other zones


@pytest.mark.parametrize(
    ("case", "check"),
    [
        ("US observed Independence Day is closed", lambda c: not c.is_business_day(ny(2026, 7, 3, 12, 0))),
        (
            "hours over the DST weekend (EST → EDT)",
            lambda c: c.add_business_hours(ny(2026, 3, 6, 17, 0), 2) == ny(2026, 3, 9, 10, 0),
        ),
        (
            "between over the DST weekend",
            lambda c: c.business_hours_between(ny(2026, 3, 6, 17), ny(2026, 3, 9, 10)) == 2,
        ),
        (
            "a Tokyo instant read in New York time",
            lambda c: c.next_working_time(jst(2026, 12, 28, 9, 0)) == ny(2026, 12, 28, 9, 0),
        ),
        ("Thanksgiving is closed", lambda c: not c.is_working_time(ny(2026, 11, 26, 12, 0))),
        (
            "results carry the New York offset",
            lambda c: c.add_business_hours(jst(2026, 7, 1, 9, 0), 1).utcoffset() == timedelta(hours=-4),
        ),
    ],
)
def test_new_york_calendar(case: str, check: Callable[[BusinessCalendar], bool]) -> None:
    assert check(cal(**NEW_YORK)), case


def test_a_window_spanning_a_dst_jump_counts_real_elapsed_time() -> None:
    # On Sunday 2026-03-08 New York skips 02:00-03:00; a 00:00-05:00 shift that day lasts 4 real hours.
    calendar = cal(**NEW_YORK, work_start="00:00", work_end="05:00", extra_working_days=["2026-03-08"])
    assert calendar.business_hours_between(ny(2026, 3, 8, 0, 0), ny(2026, 3, 8, 12, 0)) == 4
    assert calendar.add_business_hours(ny(2026, 3, 8, 0, 0), 4) == ny(2026, 3, 8, 5, 0)


# ----------------------------------------------------------------------------------------- input checks


@pytest.mark.parametrize(
    "call",
    [
        lambda c, t: c.is_working_time(t),
        lambda c, t: c.next_working_time(t),
        lambda c, t: c.add_business_hours(t, 1),
        lambda c, t: c.business_hours_between(t, jst(2026, 12, 28)),
        lambda c, t: c.business_hours_between(jst(2026, 12, 28), t),
        lambda c, t: list(c.working_windows(t, jst(2026, 12, 28))),
        lambda c, t: c.is_business_day(t),
        lambda c, t: c.day_off_reason(t),
    ],
)
def test_naive_datetimes_are_rejected(call: Callable[[BusinessCalendar, datetime], object]) -> None:
    with pytest.raises(ValueError, match="naive"):
        call(DEFAULT, datetime(2026, 12, 25, 10, 0))


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.add_business_hours(jst(2026, 12, 25, 10), -1),
        lambda c: c.add_business_hours(jst(2026, 12, 25, 10), float("nan")),
        lambda c: c.add_business_hours(jst(2026, 12, 25, 10), float("inf")),
    ],
)
def test_negative_or_odd_amounts_are_rejected(call: Callable[[BusinessCalendar], object]) -> None:
    with pytest.raises(ValueError):
        call(DEFAULT)


def test_a_calendar_that_never_opens_fails_loudly_instead_of_looping() -> None:
    calendar = cal(
        weekend=["tue", "wed", "thu", "fri", "sat", "sun"],
        company_days_off=[{"from": "2026-01-01", "to": "2037-12-31", "name": "休業"}],
    )
    with pytest.raises(NoBusinessDayError):
        calendar.add_business_hours(jst(2026, 6, 1, 10), 1)


# ---------------------------------------------------------------------------------------------- config


def test_defaults() -> None:
    config = CalendarConfig()
    assert (config.timezone, config.work_start.isoformat(), config.work_end.isoformat()) == (
        "Asia/Tokyo",
        "09:00:00",
        "18:00:00",
    )
    assert (config.break_start, config.break_end, config.weekend, config.national_holidays) == (
        None,
        None,
        ("sat", "sun"),
        "JP",
    )


def test_config_from_yaml_as_written_by_an_admin() -> None:
    config = CalendarConfig.model_validate(
        yaml.safe_load("""
        timezone: Asia/Tokyo
        work_start: "9:00"
        work_end: "17:30"
        break_start: "12:00"
        break_end: "13:00"
        weekend: [土, 日]
        company_days_off:
          - {from: 2026-12-29, to: 2027-01-03, name: 年末年始}
          - 2026-08-14
          - {date: 2026-10-01, name: 創立記念日}
        extra_working_days: [2026-12-26]
    """)
    )
    calendar = BusinessCalendar(config)
    assert config.weekend == ("sat", "sun")
    assert calendar.day_off_reason(date(2026, 12, 30)) == "年末年始"
    assert calendar.day_off_reason(date(2026, 8, 14)) == "休業日"
    assert calendar.day_off_reason(date(2026, 10, 1)) == "創立記念日"
    assert calendar.is_business_day(date(2026, 12, 26))
    assert calendar.business_hours_between(jst(2026, 12, 25), jst(2026, 12, 26)) == 7.5


@pytest.mark.parametrize(
    ("data", "loc", "message"),
    [
        ({"work_start": "18:00", "work_end": "09:00"}, ("work_end",), "must be after work_start"),
        ({"work_end": "09:00"}, ("work_end",), "must be after work_start"),
        ({"timezone": "Asia/Tokio"}, ("timezone",), "unknown time zone"),
        ({"timezone": ""}, ("timezone",), "unknown time zone"),
        ({"work_start": "25:00"}, ("work_start",), "HH:MM"),
        ({"work_start": 540}, ("work_start",), "quoted string"),  # YAML's reading of an unquoted 9:00
        ({"break_start": "12:00"}, ("break_end",), "together"),
        ({"break_end": "13:00"}, ("break_end",), "together"),
        ({"break_start": "13:00", "break_end": "12:00"}, ("break_end",), "after break_start"),
        ({"break_start": "08:00", "break_end": "10:00"}, ("break_end",), "inside working hours"),
        ({"weekend": ["sat", "caturday"]}, ("weekend",), "unknown weekday"),
        ({"weekend": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}, ("weekend",), "never open"),
        ({"national_holidays": "XX"}, ("national_holidays",), "no calendar for country"),
        (
            {"national_holidays": "US", "holiday_subdivision": "ZZ"},
            ("holiday_subdivision",),
            "no subdivision",
        ),
        ({"holiday_language": "fr"}, ("holiday_language",), "not 'fr'"),
        (
            {"company_days_off": [{"from": "2027-01-03", "to": "2026-12-29"}]},
            ("company_days_off", 0, "to"),
            "before `from`",
        ),
        ({"company_days_off": ["2026-02-30"]}, ("company_days_off", 0, "from"), "date"),
        (
            {"company_days_off": [{"from": "2026-12-29", "until": "2027-01-03"}]},
            ("company_days_off", 0, "until"),
            "Extra inputs",
        ),
        ({"extra_working_days": ["2026-12-30"], **NENMATSU_FROM_29}, ("extra_working_days",), "年末年始"),
        ({"work_strat": "09:00"}, ("work_strat",), "Extra inputs"),
    ],
)
def test_invalid_config_names_the_field(data: dict[str, Any], loc: tuple[object, ...], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CalendarConfig.model_validate(data)
    errors = caught.value.errors()
    assert [e["loc"] for e in errors] == [loc]
    assert message in errors[0]["msg"]


def test_field_paths_survive_embedding_in_the_workspace_config() -> None:
    class Workspace(BaseModel):
        calendar: CalendarConfig

    with pytest.raises(ValidationError) as caught:
        Workspace.model_validate({"calendar": {"work_start": "10:00", "work_end": "09:30"}})
    assert caught.value.errors()[0]["loc"] == ("calendar", "work_end")


# ------------------------------------------------------------------------------------------- properties

PROPERTY_CALENDARS = {
    "default": cal(),
    "lunch + 年末年始": cal(**LUNCH, **NENMATSU_FROM_28),
    "new york": cal(**NEW_YORK, **LUNCH),
}


def _in_closed_window(calendar: BusinessCalendar, t: datetime) -> bool:
    """Inside working time, or exactly at the close of a window (the earliest-moment result)."""
    return calendar.is_working_time(t) or calendar.is_working_time(t - timedelta(microseconds=1))


@pytest.mark.parametrize("name", PROPERTY_CALENDARS)
def test_add_then_between_round_trips_for_random_instants(name: str) -> None:
    calendar = PROPERTY_CALENDARS[name]
    rng = random.Random(f"madoguchi-calendar-{name}")
    origin = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(300):
        start = (origin + timedelta(seconds=rng.randrange(2 * 365 * 86400))).astimezone(calendar.tz)
        hours = rng.choice([rng.randrange(0, 200) / 4, rng.uniform(0, 100)])
        due = calendar.add_business_hours(start, hours)
        assert due >= start
        assert _in_closed_window(calendar, due), (start, hours, due)
        assert calendar.business_hours_between(start, due) == pytest.approx(hours, abs=1e-6), (start, hours)
        exact = timedelta(minutes=rng.randrange(0, 6000))
        assert calendar.business_time_between(start, calendar.add_business_time(start, exact)) == exact

        assert calendar.is_working_time(calendar.next_working_time(start))


def test_a_month_of_sla_computations_is_fast() -> None:
    # Reminder sweeps compute this per ticket; day-by-day walking keeps it well under a millisecond each.
    import time

    began = time.perf_counter()
    for i in range(2000):
        start = jst(2026, 12, 1, 9) + timedelta(minutes=37 * i)
        DEFAULT.business_hours_between(start, DEFAULT.add_business_hours(start, 72))
    assert time.perf_counter() - began < 2.0
