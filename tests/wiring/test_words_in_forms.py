"""What a requester reads in a request form, in their own language: the date-order rule says the same
day is fine (以降 / on or after), amounts are read however people type them (５０，０００, ¥50,000,
50,000円) and, when one cannot be read, the error says what can."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.forms import block_id
from tests.wiring.intake_steps import (
    EMPLOYEE,
    EMPLOYEE_EN,
    desk_fixture,  # noqa: F401 - the `desk` fixture
    open_picker,
    pick,
    submit_form,
)

JST = ZoneInfo("Asia/Tokyo")


def days(n: int) -> str:
    return (datetime.now(JST).date() + timedelta(days=n)).isoformat()


@pytest.mark.parametrize(
    ("user", "message"),
    [
        (EMPLOYEE, "「開始日（打刻修正は対象日）」以降の日付を選んでください。"),
        (EMPLOYEE_EN, "Please pick a date on or after “First day (or the day to fix)”."),
    ],
)
def test_the_leave_form_says_the_last_day_may_be_the_first_day(desk, user, message):
    open_picker(desk, user)
    pick(desk, user, "leave")

    early = submit_form(desk, user, "leave", {"kind": "paid_leave", "start_on": days(3), "end_on": days(2)})
    assert early.body["errors"][block_id("end_on")] == message

    same_day = submit_form(desk, user, "leave", {"kind": "paid_leave", "start_on": days(3), "end_on": days(3)})
    assert same_day.body.get("response_action") == "update", same_day.body
