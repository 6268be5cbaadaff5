"""Stalled approvals remind their approver on a budget: one DM bundling everything, in working hours
only, an interval apart, escalated after N reminders — and the requester can see it happened.

The approval fixtures' org: 山田 花子 (UEMPLOYEE1) asks; her manager 佐藤 健 (UMANAGER1) approves
expenses; his manager is the CFO 高橋 誠 (UCFO00001). Submissions happen on Tuesday 2026-11-24 10:00 JST;
an 8-business-hour SLA (09:00–18:00 days) makes them due at Tuesday 18:00 — closing time — so the first
reminder comes when the office opens on Wednesday, the next ones 4 business hours apart."""

from __future__ import annotations

import pytest

from bot import home
from bot.approvals import decide as decisions
from bot.config import WorkspaceConfig
from bot.reminders.status import progress
from bot.slack_ids import ApprovalAction
from models import Ticket
from models.db import transaction
from tests.harness import start_bot
from tests.service.approvals_fixtures import (
    CFO,
    EMPLOYEE,
    FIN_LEAD,
    MANAGER,
    approval_bot_fixture,  # noqa: F401 - the `bot` fixture
    approval_config,
    clock,
)
from tests.service.reminders_fixtures import audit_actions, dms, jst, steps, submit, sweep_at


def config_with(**reminders) -> WorkspaceConfig:
    data = approval_config().model_dump(by_alias=True)
    data["reminders"].update(reminders)
    return WorkspaceConfig.model_validate(data)




def make_bot(clean_engine, config):
    return start_bot(clean_engine, config=config, clock=clock())


def reminder_dms(bot, user):
    return dms(bot, user, "期限を過ぎています")


def test_three_stalled_requests_come_as_one_dm_with_their_buttons(bot):
    tickets = [submit(bot.services, amount=10_000 * (i + 1)) for i in range(3)]
    bot.deliver()

    assert sweep_at(bot, jst(2026, 11, 24, 17, 55)).startswith("0 steps")  # not due until 18:00
    sweep_at(bot, jst(2026, 11, 25, 9, 5))

    (dm,) = reminder_dms(bot, MANAGER)
    assert "3 件" in dm["text"]
    approve = [e for b in dm["blocks"] if b["type"] == "actions" for e in b["elements"]
               if e["action_id"] == ApprovalAction.APPROVE]
    assert sorted(e["value"] for e in approve) == sorted(f"{s.id}:{s.version}" for t in tickets
                                                         for s in steps(bot.services, t))
    assert all(s.reminder_count == 1 for t in tickets for s in steps(bot.services, t))
    # Five minutes later, and three hours later: still inside the 4-business-hour interval.
    sweep_at(bot, jst(2026, 11, 25, 9, 10))
    sweep_at(bot, jst(2026, 11, 25, 13, 0))
    assert len(reminder_dms(bot, MANAGER)) == 1


def test_a_later_stall_waits_for_the_approvers_next_bundle_instead_of_its_own_dm(bot):
    first = submit(bot.services)  # due Tuesday 18:00
    bot.services.clock.set(jst(2026, 11, 24, 11, 0))
    second = submit(bot.services)  # due Wednesday 10:00
    sweep_at(bot, jst(2026, 11, 25, 9, 5))
    sweep_at(bot, jst(2026, 11, 25, 10, 5))  # the second is due, but 佐藤 heard from us an hour ago
    assert len(reminder_dms(bot, MANAGER)) == 1
    sweep_at(bot, jst(2026, 11, 25, 13, 5))  # one interval later: both in one DM
    later = reminder_dms(bot, MANAGER)
    assert len(later) == 2 and "2 件" in later[1]["text"]
    assert [s.reminder_count for t in (first, second) for s in steps(bot.services, t)] == [2, 1]


@pytest.mark.parametrize("when, why", [
    (jst(2026, 11, 25, 19, 0), "evening"),
    (jst(2026, 11, 25, 8, 59), "before opening"),
    (jst(2026, 11, 28, 11, 0), "Saturday"),
])
def test_silent_outside_working_hours(bot, when, why):
    submit(bot.services)
    bot.services.clock.set(jst(2026, 11, 24, 10, 0))
    assert sweep_at(bot, when) == "outside working hours: nothing sent", why
    assert reminder_dms(bot, MANAGER) == []


def test_silent_on_a_national_holiday_then_reminded_the_next_working_morning(bot):
    # Submitted Friday 2026-11-20 10:00, due Friday 18:00; Saturday, Sunday and 勤労感謝の日 (Monday 11-23) are quiet.
    bot.services.clock.set(jst(2026, 11, 20, 10, 0))
    submit(bot.services)
    assert sweep_at(bot, jst(2026, 11, 23, 11, 0)) == "outside working hours: nothing sent"
    sweep_at(bot, jst(2026, 11, 24, 9, 0))  # due Friday 18:00; Tuesday's opening is the first working moment
    assert len(reminder_dms(bot, MANAGER)) == 1


def test_escalated_to_the_approvers_manager_after_two_reminders_and_the_requester_sees_it(bot):
    ticket_id = submit(bot.services)
    sweep_at(bot, jst(2026, 11, 25, 9, 5))  # reminder 1
    sweep_at(bot, jst(2026, 11, 25, 13, 5))  # reminder 2 (4 business hours later)
    sweep_at(bot, jst(2026, 11, 25, 17, 0))  # not yet
    assert len(reminder_dms(bot, MANAGER)) == 2 and dms(bot, CFO, "滞留") == []
    sweep_at(bot, jst(2026, 11, 25, 17, 5))

    (notice,) = dms(bot, CFO, "滞留")
    assert "FIN-" in str(notice["blocks"]) and "佐藤 健" in str(notice["blocks"])
    (step,) = steps(bot.services, ticket_id)
    assert (step.reminder_count, step.escalated_to, step.status) == (2, CFO, "pending")
    escalated = [e for e in audit_actions(bot.services, ticket_id) if e.action == "step.escalated"]
    assert escalated[0].after == {"mode": "manager", "to": [CFO], "skipped": False}
    with bot.services.session_factory() as session:
        status = progress(session, bot.services, session.get(Ticket, ticket_id), "ja")
        assert status.status == "リマインド ×2、高橋 誠 さんへエスカレーション済み"
        assert progress(session, bot.services, session.get(Ticket, ticket_id), "en").status == \
            "reminded ×2, escalated to 高橋 誠"
    # The budget is spent: no more reminders or escalations, ever, for this step.
    for day in (26, 27, 30):
        sweep_at(bot, jst(2026, 11, day, 16, 0))
    assert len(reminder_dms(bot, MANAGER)) == 2 and len(dms(bot, CFO, "滞留")) == 1
    # The requester opens their App Home: it shows it.
    bot.services.clock.set(jst(2026, 11, 30, 16, 1))
    with transaction(bot.services.session_factory) as session:
        home.opened(session, bot.services, EMPLOYEE)
    bot.deliver()
    assert "リマインド ×2" in str(bot.slack.home_view(EMPLOYEE))


def test_skip_mode_skips_the_silent_approver_records_it_and_asks_the_next(clean_engine):
    bot = make_bot(clean_engine, config_with(per_type={"expense": {"escalate_to": "skip", "escalate_after": 1}}))
    try:
        ticket_id = submit(bot.services, amount=150_000)  # manager, then the finance lead
        bot.deliver()
        assert dms(bot, FIN_LEAD, "承認依頼") == []
        sweep_at(bot, jst(2026, 11, 25, 9, 5))  # reminder 1
        sweep_at(bot, jst(2026, 11, 25, 13, 5))  # budget spent: skip

        manager_step, lead_step = steps(bot.services, ticket_id)
        assert (manager_step.status, manager_step.escalated_to) == ("skipped", FIN_LEAD)
        assert lead_step.status == "pending"
        assert len(dms(bot, FIN_LEAD, "承認依頼")) == 1
        skipped = [e for e in audit_actions(bot.services, ticket_id) if e.action == "step.skipped"]
        assert skipped[0].actor_id == "system" and "1 回リマインド" in skipped[0].reason
        assert skipped[0].after["next"] == [FIN_LEAD]
        with bot.services.session_factory() as session:
            assert progress(session, bot.services, session.get(Ticket, ticket_id), "ja").status == \
                "リマインド ×1、鈴木 一郎 さんへ回付済み（スキップ）"
    finally:
        bot.stop()


def test_skip_mode_never_skips_the_last_approver(clean_engine):
    bot = make_bot(clean_engine, config_with(escalate_to="skip", escalate_after=1))
    try:
        ticket_id = submit(bot.services)  # the manager is the only approver
        sweep_at(bot, jst(2026, 11, 25, 9, 5))
        sweep_at(bot, jst(2026, 11, 25, 13, 5))
        (step,) = steps(bot.services, ticket_id)
        assert step.status == "pending" and step.escalated_to == FIN_LEAD  # the finance desk's admin is told
        assert len(dms(bot, FIN_LEAD, "滞留")) == 1
    finally:
        bot.stop()


def test_a_decided_step_is_never_reminded(bot):
    ticket_id = submit(bot.services)
    (step,) = steps(bot.services, ticket_id)
    with bot.services.session_factory() as session, session.begin():
        decisions.decide(session, bot.services, step_id=step.id, version=step.version, actor=MANAGER,
                         outcome="approved")
    sweep_at(bot, jst(2026, 11, 25, 9, 5))
    assert reminder_dms(bot, MANAGER) == []


def test_per_type_sla_defers_the_first_reminder(clean_engine):
    bot = make_bot(clean_engine, config_with(per_type={"expense": {"approval_sla_business_hours": 16}}))
    try:
        submit(bot.services)
        sweep_at(bot, jst(2026, 11, 25, 9, 5))  # the default SLA passed, the expense one (Wed 17:00) has not
        assert reminder_dms(bot, MANAGER) == []
        sweep_at(bot, jst(2026, 11, 25, 17, 5))
        assert len(reminder_dms(bot, MANAGER)) == 1
    finally:
        bot.stop()
