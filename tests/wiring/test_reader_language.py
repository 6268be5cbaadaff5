"""Every reader sees a request in their own language, whoever wrote it: the title is made when it is
read (an English requester reads "Local transport / ¥4,000 / taxi" while the Japanese desk reads
"交通費 / ¥4,000 / taxi"), and every date and time has one format per language — 2026/12/10(木) for
Japanese readers, "Thu, Dec 10, 2026" for English ones, never a Japanese weekday in English.

Clock: Monday 2026-12-07 10:00 JST (intake_steps.MONDAY_10)."""

from __future__ import annotations

import re

import pytest

from tests.wiring.intake_steps import (
    EMPLOYEE,
    EMPLOYEE_EN,
    card,
    clock_fixture,  # noqa: F401 - the `clock` fixture
    clocked_desk_fixture,  # noqa: F401 - the `desk` fixture (approval rules off)
    dm_with,
    everything,
    open_home,
    request,
)

TAXI = {"category": "transport", "amount": 4000, "spent_on": "2026-12-04", "purpose": "taxi"}
LEAVE = {"kind": "paid_leave", "start_on": "2026-12-10", "end_on": "2026-12-11"}


@pytest.mark.parametrize(
    ("user", "title", "foreign"),
    [
        (EMPLOYEE_EN, "Local transport / ¥4,000 / taxi", "交通費"),
        (EMPLOYEE, "交通費 / ¥4,000 / taxi", "Local transport"),
    ],
)
def test_the_requester_reads_the_title_in_their_language_and_the_desk_in_its_own(desk, user, title, foreign):
    ticket = request(desk, user, "expense", TAXI)

    receipt = everything(dm_with(desk, user, ticket.number))
    assert title in receipt and foreign not in receipt
    home = open_home(desk, user)
    assert title in home and foreign not in home
    # The finance desk's triage card speaks the company's language, whoever asked.
    assert "交通費 / ¥4,000 / taxi" in everything(card(desk, "finance", ticket.number))


@pytest.mark.parametrize(
    ("user", "shown", "due", "never"),
    [
        (EMPLOYEE_EN, ["Paid leave (full day) / Thu, Dec 10, 2026", "Fri, Dec 11, 2026"],
         r"by (Mon|Tue|Wed|Thu|Fri), Dec \d{1,2}, 2026, \d\d:\d\d", ["(木)", "(金)", "2026/12"]),
        (EMPLOYEE, ["有給休暇（全日） / 2026/12/10(木)", "2026/12/11(金)"],
         r"2026/12/\d\d\([月火水木金]\) \d\d:\d\d", ["Thu", "Fri", "2026/12/10 (木)"]),
    ],
)
def test_dates_read_one_way_per_language_in_the_receipt(desk, user, shown, due, never):
    ticket = request(desk, user, "leave", LEAVE)

    receipt = everything(dm_with(desk, user, ticket.number))
    for text in shown:
        assert text in receipt, (text, receipt[:3000])
    assert re.search(due, receipt), receipt[:3000]  # the due times, in the same words as the dates
    for text in never:
        assert text not in receipt, (text, receipt[:3000])
