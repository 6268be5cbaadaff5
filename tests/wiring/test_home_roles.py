"""App Home per role, opened over signed HTTP on Sunday afternoon of the seeded week
(tests/service/digest_fixtures.py): the employee sees their requests and where each waits, the finance
agent their department's queue, the admin this week's numbers; the numbers are for admins only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.config import load_workspace
from bot.settings import BUNDLED_CONFIG
from models import Ticket
from tests.harness import start_bot
from tests.service.digest_fixtures import seed
from tests.service.reminders_fixtures import jst
from tests.wiring.intake_steps import everything

EMPLOYEE, FIN_AGENT, ADMIN = "UEMPLOYEE1", "UFINAGENT", "UADMIN001"
SUNDAY_AFTERNOON = jst(2026, 11, 29, 15, 0)


@pytest.fixture
def office(clean_engine) -> Iterator[Any]:
    running = start_bot(clean_engine, config=load_workspace(BUNDLED_CONFIG), clock=ManualClock(SUNDAY_AFTERNOON))
    try:
        with running.services.session_factory() as session, session.begin():
            seed(session)
            created = jst(2026, 11, 18, 15)  # last week; the agent asked the requester for a receipt
            session.add(Ticket(number="FIN-0900", department="finance", seq=900, request_type="expense",
                               title="領収書の再提出待ち", fields={}, requester_id=EMPLOYEE, status="on_hold",
                               assignee_id=FIN_AGENT, created_at=created, updated_at=created,
                               first_responded_at=jst(2026, 11, 18, 16), sla_paused_at=jst(2026, 11, 19, 10)))
        yield running
    finally:
        running.stop()


def open_home(bot: Any, user: str) -> str:
    reply = bot.requester.event({"type": "app_home_opened", "user": user, "channel": bot.slack.dm_channel(user),
                                 "tab": "home", "event_ts": "1.0"})
    assert reply.status == 200
    bot.deliver()
    return everything(bot.slack.home_view(user) or {})


def test_each_role_sees_its_own_sections(office):
    employee, agent, admin = (open_home(office, user) for user in (EMPLOYEE, FIN_AGENT, ADMIN))

    # The employee: their open requests, each with its status; not the desk's queue, not the numbers.
    assert "あなたの申請" in employee and "FIN-0900" in employee and "領収書の再提出待ち" in employee
    assert "担当部署の受付" not in employee and "今週の数字" not in employee

    # The finance agent: what they hold (the ticket on hold) and what nobody has claimed yet.
    assert "担当部署の受付" in agent
    assert "あなたの担当: 1件" in agent and "FIN-0900" in agent
    assert "未対応: 1件（古い順）" in agent  # T-0004, submitted on Thursday
    assert "今週の数字" not in agent

    # The admin: this week so far, the digest's numbers (worked out by hand in test_digest.py), plus the
    # ticket on hold still open at the end of the week.
    assert "今週の数字（管理者向け）" in admin
    assert "2026/11/23(月)〜11/29(日): 新規 5 · 解決 2 · 未処理 4" in admin
    assert "初回応答 2.0h · 承認リードタイム 4.0h · 差戻し率 33%" in admin
    assert "自己解決率 50% · 滞留承認 1 件" in admin
