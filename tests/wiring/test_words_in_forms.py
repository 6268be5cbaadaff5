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
    dm_with,
    everything,
    latest_ticket,
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


# -- amounts -----------------------------------------------------------------------------------------
GOOD_EXPENSE = {"category": "transport", "spent_on": days(-1), "purpose": "客先訪問（渋谷）"}


def amount_input(form: dict) -> dict:
    (block,) = [b for b in form["blocks"] if b.get("block_id") == block_id("amount")]
    return block["element"]


@pytest.mark.parametrize("typed", ["５０，０００", "¥50,000", "￥50,000", "50,000円", "５０，０００ 円", " 50000 "])
def test_an_amount_is_read_however_it_is_typed(desk, typed):
    open_picker(desk, EMPLOYEE)
    form = pick(desk, EMPLOYEE, "expense")
    # A text input: Slack's own number input would refuse these before the bot ever saw them.
    assert amount_input(form)["type"] == "plain_text_input"
    assert amount_input(form)["placeholder"]["text"] == "例: 50,000（円）"

    reply = submit_form(desk, EMPLOYEE, "expense", {**GOOD_EXPENSE, "amount": typed,
                                                    "receipt_url": "https://drive.example.com/r/1"})

    assert reply.body.get("response_action") == "update", reply.body
    ticket = latest_ticket(desk, "expense")
    assert ticket.fields["amount"] == 50000
    assert "交通費 / ¥50,000 / 客先訪問（渋谷）" in everything(dm_with(desk, EMPLOYEE, ticket.number))


@pytest.mark.parametrize(
    ("user", "typed", "message"),
    [
        (EMPLOYEE, "5万円", "金額は円単位の数字で入力してください（例: 50000、50,000、¥50,000、５０，０００円）。"
                            "小数点や「万」は使えません。"),
        (EMPLOYEE, "1200.5", "金額は円単位の数字で入力してください（例: 50000、50,000、¥50,000、５０，０００円）。"
                             "小数点や「万」は使えません。"),
        (EMPLOYEE_EN, "about 5000", "Please enter the amount in yen as a number: 50000, 50,000, ¥50,000 or "
                                    "50,000円 all work (no decimals or words)."),
    ],
)
def test_an_amount_that_cannot_be_read_is_refused_with_what_would_be(desk, user, typed, message):
    open_picker(desk, user)
    pick(desk, user, "expense")

    reply = submit_form(desk, user, "expense", {**GOOD_EXPENSE, "amount": typed})

    assert reply.body["errors"] == {block_id("amount"): message}
