"""What the requester and the desk see as a request moves, over signed HTTP against the fake Slack and
under a business-hours clock: every step stamps its time, the receipt says where a request waits and
who has been reminded, and a resolution nobody rates closes by itself (the rating still counts)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.reminders.jobs import run_reminders
from bot.slack_ids import ApprovalAction, TicketAction, TicketBlock
from bot.tickets.jobs import run_close_unrated
from tests.harness import start_bot
from tests.wiring.intake_steps import (
    EMPLOYEE,
    GA_AGENT,
    MANAGER,
    TRIAGE,
    audit_actions,
    buttons,
    card,
    click,
    clock_fixture,  # noqa: F401 - the `clock` fixture
    clocked_desk_fixture,  # noqa: F401 - the `desk` fixture, on that clock
    dm_with,
    dms,
    everything,
    fill_modal,
    open_home,
    request,
    text_block,
    ticket,
)

TOKYO = ZoneInfo("Asia/Tokyo")
GA = TRIAGE["general_affairs"]
ROOM = {"subject": "会議室の予約", "details": "来週火曜の午後に大会議室を使いたいです", "department": "general_affairs"}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """December 2026, Tokyo time."""
    return datetime(2026, 12, day, hour, minute, tzinfo=TOKYO)


def local(when: datetime | None) -> str:
    assert when is not None
    return when.replace(tzinfo=when.tzinfo or UTC).astimezone(TOKYO).strftime("%a %d %H:%M")


@pytest.fixture
def office(clean_engine, clock) -> Iterator[Any]:
    """The bundled config with its approval rules (an expense waits for the manager)."""
    running = start_bot(clean_engine, clock=clock)
    try:
        yield running
    finally:
        running.stop()


def receipt(bot: Any, number: str) -> dict[str, Any]:
    return dm_with(bot, EMPLOYEE, f"受付番号 {number}")


# -- every step stamps its time -------------------------------------------------------------------
def test_each_step_of_the_desk_stamps_its_time_and_the_hold_moves_the_due_times(desk, clock):
    t = request(desk, EMPLOYEE, "inquiry", ROOM)  # inquiry: first response 8 h, resolution 24 h
    assert (local(t.first_response_due), local(t.resolution_due)) == ("Mon 07 18:00", "Wed 09 16:00")
    assert t.first_responded_at is None

    clock.set(at(7, 11))
    click(desk, GA_AGENT, card(desk, "general_affairs", t.number), TicketAction.CLAIM, GA)
    assert local(ticket(desk, t.id).first_responded_at) == "Mon 07 11:00"

    clock.set(at(8, 10))  # Tuesday 10:00: ask the requester; the clock stops
    click(desk, GA_AGENT, card(desk, "general_affairs", t.number), TicketAction.HOLD, GA)
    fill_modal(desk, GA_AGENT, text_block(TicketBlock.QUESTION, "参加人数を教えてください"))
    assert local(ticket(desk, t.id).sla_paused_at) == "Tue 08 10:00"
    assert "期限のカウントを止めています" in everything(card(desk, "general_affairs", t.number))

    clock.set(at(9, 10))  # Wednesday 10:00: 9 business hours later the requester answers
    question = dm_with(desk, EMPLOYEE, "参加人数を教えてください")
    click(desk, EMPLOYEE, question, TicketAction.ANSWER, desk.slack.dm_channel(EMPLOYEE))
    fill_modal(desk, EMPLOYEE, text_block(TicketBlock.ANSWER, "12名です"))
    answered = ticket(desk, t.id)
    assert answered.sla_paused_at is None
    assert local(answered.resolution_due) == "Thu 10 16:00"  # Wed 16:00 + the 9 business hours waited
    assert local(answered.first_response_due) == "Mon 07 18:00"  # already met: it stays as it was
    assert "2026/12/10(木) 16:00" in everything(receipt(desk, t.number))  # the receipt shows the new due time

    clock.set(at(9, 15))
    click(desk, GA_AGENT, card(desk, "general_affairs", t.number), TicketAction.RESOLVE, GA)
    fill_modal(desk, GA_AGENT, text_block(TicketBlock.NOTE, "大会議室を火曜13時から押さえました"))
    assert local(ticket(desk, t.id).resolved_at) == "Wed 09 15:00"

    clock.set(at(9, 16))
    resolution = dm_with(desk, EMPLOYEE, "大会議室を火曜13時から押さえました")
    click(desk, EMPLOYEE, resolution, f"{TicketAction.RATE}_5", desk.slack.dm_channel(EMPLOYEE))
    closed = ticket(desk, t.id)
    assert (closed.status, local(closed.closed_at), closed.satisfaction) == ("closed", "Wed 09 16:00", 5)


def test_a_question_before_anyone_claimed_is_the_first_response_and_takes_the_ticket(desk, clock):
    t = request(desk, EMPLOYEE, "inquiry", ROOM)

    # Asking the requester a question is the desk's first response; the asker now has the ticket.
    clock.set(at(7, 12))
    click(desk, GA_AGENT, card(desk, "general_affairs", t.number), TicketAction.HOLD, GA)
    fill_modal(desk, GA_AGENT, text_block(TicketBlock.QUESTION, "どの会議室ですか"))
    held = ticket(desk, t.id)
    assert (held.status, held.assignee_id, local(held.first_responded_at)) == ("on_hold", GA_AGENT, "Mon 07 12:00")


# -- where is my request? -------------------------------------------------------------------------
def test_the_receipt_and_home_say_whose_approval_a_request_waits_for_and_the_reminders(office, clock):
    t = request(office, EMPLOYEE, "expense", {"category": "meeting", "amount": 8000, "spent_on": "2026-12-04",
                                              "purpose": "打ち合わせ", "receipt_url": "https://drive.example.com/r/1"})
    assert t.status == "pending_approval"

    waiting = everything(receipt(office, t.number))
    assert "承認待ち" in waiting and "佐藤 健 さんの承認待ち（2026/12/07(月) 10:00 から）" in waiting
    assert "佐藤 健 さんの承認待ち" in open_home(office, EMPLOYEE)

    # A working day later the approver is reminded; the requester can see that it was chased.
    clock.set(at(8, 11))
    run_reminders(office.services)
    office.deliver()
    assert "リマインド ×1" in open_home(office, EMPLOYEE)

    ask = next(m for m in dms(office, MANAGER) if ApprovalAction.APPROVE in buttons(m))
    click(office, MANAGER, ask, ApprovalAction.APPROVE, office.slack.dm_channel(MANAGER))

    approved = everything(receipt(office, t.number))
    assert "承認済み" in approved and "承認待ち（" not in approved
    assert "佐藤 健 さんの承認待ち" not in open_home(office, EMPLOYEE)


# -- a resolution nobody rates closes by itself -----------------------------------------------------
def resolved_inquiry(bot: Any, clock: ManualClock) -> Any:
    t = request(bot, EMPLOYEE, "inquiry", ROOM)
    click(bot, GA_AGENT, card(bot, "general_affairs", t.number), TicketAction.CLAIM, GA)
    click(bot, GA_AGENT, card(bot, "general_affairs", t.number), TicketAction.RESOLVE, GA)
    fill_modal(bot, GA_AGENT, text_block(TicketBlock.NOTE, "大会議室を押さえました"))
    assert ticket(bot, t.id).status == "resolved"
    return t


def close_run(bot: Any, clock: ManualClock, when: datetime) -> str:
    clock.set(when)
    outcome = run_close_unrated(bot.services)
    bot.deliver()
    return outcome


def test_a_resolution_nobody_rates_closes_after_40_business_hours_and_a_late_rating_still_counts(desk, clock):
    t = resolved_inquiry(desk, clock)  # resolved Mon 10:00; 40 business hours (9 a day) run out Fri 14:00

    assert close_run(desk, clock, at(11, 13, 59)) == "closed 0 resolved tickets nobody rated"  # Fri: 39 h 59 m
    assert close_run(desk, clock, at(12, 14)) == "outside working hours: nothing closed"  # Saturday: no DMs
    assert ticket(desk, t.id).status == "resolved"

    assert close_run(desk, clock, at(14, 9, 30)) == "closed 1 resolved tickets nobody rated"  # next Monday
    closed = ticket(desk, t.id)
    assert (closed.status, local(closed.closed_at), closed.satisfaction) == ("closed", "Mon 14 09:30", None)
    assert audit_actions(desk, t.id)[-1] == "ticket.closed"
    assert "評価がなかったため、完了にしました" in dms(desk, EMPLOYEE)[-1]["text"]
    assert "完了" in everything(receipt(desk, t.number)) and buttons(receipt(desk, t.number)) == {}
    assert close_run(desk, clock, at(14, 10, 30)) == "closed 0 resolved tickets nobody rated"

    # The rating buttons they already had still work, once.
    resolution = dm_with(desk, EMPLOYEE, "大会議室を押さえました")
    click(desk, EMPLOYEE, resolution, f"{TicketAction.RATE}_4", desk.slack.dm_channel(EMPLOYEE))
    rated = ticket(desk, t.id)
    assert (rated.status, rated.satisfaction, local(rated.closed_at)) == ("closed", 4, "Mon 14 09:30")
    assert "★★★★☆" in everything(card(desk, "general_affairs", t.number))
    click(desk, EMPLOYEE, resolution, f"{TicketAction.RATE}_1", desk.slack.dm_channel(EMPLOYEE))
    assert ticket(desk, t.id).satisfaction == 4
    assert audit_actions(desk, t.id)[-2:] == ["ticket.closed", "ticket.rated"]


def test_a_rated_ticket_is_never_closed_twice(desk, clock):
    t = resolved_inquiry(desk, clock)
    resolution = dm_with(desk, EMPLOYEE, "大会議室を押さえました")
    click(desk, EMPLOYEE, resolution, f"{TicketAction.RATE}_5", desk.slack.dm_channel(EMPLOYEE))
    told = len(dms(desk, EMPLOYEE))

    assert close_run(desk, clock, at(21, 10)) == "closed 0 resolved tickets nobody rated"
    assert audit_actions(desk, t.id)[-1] == "ticket.rated" and len(dms(desk, EMPLOYEE)) == told
