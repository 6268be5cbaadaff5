"""事後稟議 over signed HTTP (issue #18, item 6): 備品 ordered before its approval is flagged to the approver, the
approval records the flag in the audit trail (and so in the audit export), and the weekly digest counts it per
department. An order planned for later is not flagged."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import select

from bot.approvals.after_the_fact import ACTION
from bot.cli import main
from bot.clock import ManualClock
from bot.digest.post import post_if_due
from models import AuditEvent
from tests.harness import start_bot
from tests.service.digest_fixtures import POSTED_AT
from tests.service.reminders_fixtures import jst
from tests.wiring import approvals_steps as approvals
from tests.wiring.approvals_steps import APPROVE, approval_message
from tests.wiring.intake_steps import everything, request

EMPLOYEE, MANAGER = "UEMPLOYEE1", "UMANAGER1"
DIGEST = "CDIGEST01"
NOW = jst(2026, 11, 25, 10)  # Wednesday; the digest of Monday 11-30 reports this week


@pytest.fixture
def bot(clean_engine, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", clean_engine.url.render_as_string(hide_password=False))  # for the CLI
    running = start_bot(clean_engine, clock=ManualClock(NOW))
    try:
        yield running
    finally:
        running.stop()


def chair(bot: Any, ordered_on: str) -> int:
    """A chair for general affairs: the manager alone approves it (under ¥100,000)."""
    return request(bot, EMPLOYEE, "equipment", {"item": "furniture", "quantity": 1, "amount": 45_000,
                                                "ordered_on": ordered_on, "reason": "腰痛対策の椅子"}).id


def flags(bot: Any) -> list[dict[str, Any]]:
    with bot.services.session_factory() as session:
        return [e.after for e in session.scalars(select(AuditEvent).where(AuditEvent.action == ACTION))]


def test_a_chair_ordered_before_its_approval_is_flagged_recorded_and_counted(bot):
    ticket = chair(bot, "2026-11-20")  # ordered five days ago

    card = approval_message(bot, MANAGER)
    assert "事後稟議" in everything(card)
    assert "発注日（手配済み・予定）は 2026/11/20(金) で、承認より前です" in everything(card)

    approvals.click(bot, MANAGER, card, APPROVE)

    assert approvals.status_of(bot, ticket) == "approved"
    assert flags(bot) == [{"field": "ordered_on", "deal_date": "2026-11-20", "approved_on": "2026-11-25",
                           "days_after": 5}]


def test_the_flag_is_in_the_audit_export_and_the_digest_counts_it_per_department(bot, capsys):
    chair(bot, "2026-11-20")
    approvals.click(bot, MANAGER, approval_message(bot, MANAGER), APPROVE)
    capsys.readouterr()

    assert main(["audit", "export", "--from", "2026-11-25", "--to", "2026-11-25"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out.removeprefix("\ufeff"))))
    (flag,) = [r for r in rows if r["action"] == ACTION]
    assert flag["ticket"].startswith("GA-") and flag["actor_id"] == MANAGER and "2026-11-20" in flag["after"]

    assert post_if_due(bot.services, POSTED_AT) == f"2026-W49: posted to {DIGEST}"
    bot.deliver()
    (digest,) = [m for m in bot.slack.messages(DIGEST) if "週次ダイジェスト" in m.get("text", "")]
    assert "事後稟議（取引日より後の承認）1 件: 総務 1 件" in everything(digest)


def test_an_order_planned_after_the_approval_is_not_flagged(bot):
    ticket = chair(bot, "2026-12-10")

    card = approval_message(bot, MANAGER)
    assert "事後稟議" not in everything(card)
    approvals.click(bot, MANAGER, card, APPROVE)

    assert approvals.status_of(bot, ticket) == "approved"
    assert flags(bot) == []
    assert post_if_due(bot.services, POSTED_AT) == f"2026-W49: posted to {DIGEST}"
    bot.deliver()
    (digest,) = [m for m in bot.slack.messages(DIGEST) if "週次ダイジェスト" in m.get("text", "")]
    assert "事後稟議" not in everything(digest)
