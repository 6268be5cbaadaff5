"""職務権限 by effective date over signed HTTP (issue #18, item 1): the CFO's threshold falls from ¥1,000,000 to
¥200,000 on 2026-12-01. A ¥300,000 expense submitted in November keeps its November chain through a 差戻し and
its resubmission in December; the same expense submitted in December goes to the CFO too."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.config import parse_workspace
from bot.settings import BUNDLED_CONFIG
from bot.slack_ids import ApprovalAction
from tests.harness import start_bot
from tests.service.approvals_fixtures import CFO, EMPLOYEE, FIN_LEAD, MANAGER, clock
from tests.wiring import approvals_steps as approvals
from tests.wiring.approvals_steps import APPROVE, SEND_BACK, approval_message, click, give_reason
from tests.wiring.intake_steps import dm_with, modal, request, submit_form

RECEIPT = "https://files.example.co.jp/r/123"
CFO_RULE = '      - {label: CFO, role: cfo, when: "amount >= 1000000"}\n'
REVISED = ('      - {label: CFO, role: cfo, when: "amount >= 1000000", effective_until: 2026-11-30}\n'
           '      - {label: CFO, role: cfo, when: "amount >= 200000", effective_from: 2026-12-01}\n')


@pytest.fixture
def bot(clean_engine):
    text = BUNDLED_CONFIG.read_text(encoding="utf-8")
    assert CFO_RULE in text
    running = start_bot(clean_engine, config=parse_workspace(text.replace(CFO_RULE, REVISED, 1)), clock=clock())
    try:
        yield running
    finally:
        running.stop()


def expense(bot: Any, amount: int) -> int:
    return request(bot, EMPLOYEE, "expense", {"category": "travel", "amount": amount, "spent_on": "2026-11-20",
                                              "purpose": "大阪出張", "receipt_url": RECEIPT}).id


def test_a_request_in_flight_keeps_the_rules_of_its_submission_day_through_a_send_back(bot):
    november = expense(bot, 300_000)  # Tuesday 2026-11-24: the CFO only from ¥1,000,000
    bot.services.clock.advance(timedelta(days=8))  # Wednesday 2026-12-02: the revision is in force

    click(bot, MANAGER, approval_message(bot, MANAGER), SEND_BACK)
    give_reason(bot, MANAGER, "目的をもう少し詳しく書いてください", ["purpose"])
    click(bot, EMPLOYEE, dm_with(bot, EMPLOYEE, "目的をもう少し詳しく"), ApprovalAction.RESUBMIT)
    reply = submit_form(bot, EMPLOYEE, "expense", {"category": "travel", "amount": 300_000, "spent_on": "2026-11-20",
                                                   "purpose": "大阪出張（顧客訪問）", "receipt_url": RECEIPT},
                        view=modal(bot, EMPLOYEE))
    assert reply.status == 200, reply.body
    click(bot, MANAGER, approval_message(bot, MANAGER), APPROVE)
    click(bot, FIN_LEAD, approval_message(bot, FIN_LEAD), APPROVE)

    assert approvals.status_of(bot, november) == "approved"
    deciders = [who for _, who, _ in approvals.steps(bot, november) if who]
    assert CFO not in deciders and deciders[-1] == FIN_LEAD
    assert bot.slack.messages(bot.slack.dm_channel(CFO)) == []  # the CFO was never asked


def test_the_same_request_submitted_after_the_revision_goes_to_the_cfo(bot):
    bot.services.clock.advance(timedelta(days=8))
    december = expense(bot, 300_000)

    click(bot, MANAGER, approval_message(bot, MANAGER), APPROVE)
    click(bot, FIN_LEAD, approval_message(bot, FIN_LEAD), APPROVE)

    assert approvals.status_of(bot, december) == "pending_approval"
    assert "承認ステップ 3/3" in str(approval_message(bot, CFO))
    click(bot, CFO, approval_message(bot, CFO), APPROVE)
    assert approvals.status_of(bot, december) == "approved"
