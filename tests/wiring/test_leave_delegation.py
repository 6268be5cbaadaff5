"""An approver's own 休暇, once approved, hands their approvals to their deputy for those days, over signed
HTTP: the delegation exists, both are told, the deputy decides "on behalf of" while the approver is away, and
the approver can cancel it like any other. Nobody to hand to: nothing is created and the approver is told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.approvals.jobs import delegation_notices
from bot.scheduler import Scheduler
from models import AuditEvent, Delegation
from tests.service.approvals_fixtures import (
    CFO,
    EMPLOYEE,
    FIN_LEAD,
    MANAGER,
    approval_bot_fixture,  # noqa: F401 - the `bot` fixture
)
from tests.wiring import approvals_steps as approvals
from tests.wiring.approvals_steps import APPROVE, approval_message
from tests.wiring.intake_steps import request
from tests.wiring.test_approvals_journeys import fill_delegation


def leave(bot: Any, who: str, kind: str, first: str, last: str | None = None) -> int:
    values = {"kind": kind, "start_on": first, **({"end_on": last} if last else {})}
    return request(bot, who, "leave", values).id


def delegations(bot: Any) -> list[tuple[str, str, datetime, datetime, str]]:
    with bot.services.session_factory() as session:
        return [(d.delegator_id, d.delegate_id, d.starts_at.astimezone(UTC), d.ends_at.astimezone(UTC), d.created_by)
                for d in session.scalars(select(Delegation).where(Delegation.cancelled_at.is_(None)))]


def test_the_managers_approved_leave_lets_their_deputy_decide_on_their_behalf_those_days(bot):
    ticket = leave(bot, MANAGER, "paid_leave", "2026-11-25", "2026-11-26")
    approvals.click(bot, CFO, approval_message(bot, CFO), APPROVE)  # the manager's own manager

    assert approvals.status_of(bot, ticket) == "approved"
    # Whole days in Tokyo: from 11/25 00:00 to 11/27 00:00 JST.
    assert delegations(bot) == [(MANAGER, FIN_LEAD, datetime(2026, 11, 24, 15, 0, tzinfo=UTC),
                                 datetime(2026, 11, 26, 15, 0, tzinfo=UTC), "system")]
    assert any("代理承認者を設定しました: 鈴木 一郎 さん" in t for t in approvals.dm_texts(bot, MANAGER))
    assert any("佐藤 健 さんがあなたを代理承認者に設定しました" in t for t in approvals.dm_texts(bot, FIN_LEAD))
    number = approvals.ticket_number(bot, ticket)
    with bot.services.session_factory() as session:
        created = session.scalars(select(AuditEvent).where(AuditEvent.action == "delegation.created")).one()
        assert created.actor_id == "system" and number in (created.reason or "")

    bot.services.clock.advance(timedelta(days=1))  # the first day away
    Scheduler(bot.services, [delegation_notices]).tick()
    bot.deliver()
    expense = request(bot, EMPLOYEE, "expense", {"category": "travel", "amount": 30_000, "spent_on": "2026-11-20",
                                                 "purpose": "大阪出張", "receipt_url": "https://files.example.co.jp/r/9"})
    approvals.click(bot, FIN_LEAD, approval_message(bot, FIN_LEAD), APPROVE)

    assert approvals.steps(bot, expense.id) == [("approved", FIN_LEAD, MANAGER)]


def test_a_half_day_off_hands_nothing_over(bot):
    leave(bot, MANAGER, "half_am", "2026-11-25")
    approvals.click(bot, CFO, approval_message(bot, CFO), APPROVE)

    assert delegations(bot) == []


def test_an_employee_who_approves_nothing_gets_no_delegation(bot):
    ticket = leave(bot, EMPLOYEE, "paid_leave", "2026-11-25")
    approvals.click(bot, MANAGER, approval_message(bot, MANAGER), APPROVE)

    assert approvals.status_of(bot, ticket) == "approved" and delegations(bot) == []
    assert not [t for t in approvals.dm_texts(bot, EMPLOYEE) if "代理承認" in t]


def test_with_no_deputy_and_no_manager_nothing_is_created_and_the_approver_is_told(bot):
    ticket = leave(bot, CFO, "paid_leave", "2026-11-30")  # the CFO has no manager: nobody approves it, it is granted

    assert approvals.status_of(bot, ticket) == "submitted" and delegations(bot) == []  # straight to HR's desk
    told = [t for t in approvals.dm_texts(bot, CFO) if "代理承認は設定していません" in t]
    assert len(told) == 1 and approvals.ticket_number(bot, ticket) in told[0]


def test_days_already_covered_by_a_delegate_set_by_hand_are_left_alone_and_the_approver_is_told(bot):
    bot.command(MANAGER, "delegate")
    fill_delegation(bot, MANAGER, CFO, "2026-11-25", "2026-11-25")
    leave(bot, MANAGER, "paid_leave", "2026-11-25", "2026-11-26")
    approvals.click(bot, CFO, approval_message(bot, CFO), APPROVE)

    assert [(d[0], d[1], d[4]) for d in delegations(bot)] == [(MANAGER, CFO, MANAGER)]
    told = [t for t in approvals.dm_texts(bot, MANAGER) if "自動設定できませんでした" in t]
    assert len(told) == 1 and "既に代理承認者が設定されています" in told[0]
