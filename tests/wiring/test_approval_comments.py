"""承認 with a comment, over signed HTTP: 「コメントして承認」 opens a one-field modal; the comment reaches the
requester and the next approver, in their language, escaped, and is kept in the audit trail. The plain 承認
still approves at once, with no modal and no comment."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.approvals.views import REASON_BLOCK, REASON_INPUT
from bot.fakeslack.state_values import state_value
from bot.slack_ids import ApprovalAction
from models import ApprovalStep, AuditEvent
from tests.service.approvals_fixtures import (
    EMPLOYEE,
    FIN_LEAD,
    MANAGER,
    approval_bot_fixture,  # noqa: F401 - the `bot` fixture
)
from tests.wiring import approvals_steps as approvals
from tests.wiring.approvals_steps import APPROVE, approval_message, buttons
from tests.wiring.intake_steps import EMPLOYEE_EN, everything, request

COMMENT = "<!channel> 交通費は *往復* で OK です & 領収書は原本を回してください"
ESCAPED = "&lt;!channel&gt; 交通費は *往復* で OK です &amp; 領収書は原本を回してください"


def expense(bot: Any, amount: int) -> int:
    return request(bot, EMPLOYEE, "expense", {"category": "travel", "amount": amount, "spent_on": "2026-11-20",
                                              "purpose": "大阪出張", "receipt_url": "https://files.example.co.jp/r/1"}).id


def approve_with_comment(bot: Any, approver: str, comment: str | None) -> Any:
    approvals.click(bot, approver, approval_message(bot, approver), ApprovalAction.APPROVE_WITH_COMMENT)
    modal = bot.slack.modal_stack(approver)[-1]
    assert modal["title"]["text"] == "コメントして承認"
    reply = bot.requester.view_submission(user_id=approver, view=modal, values={
        REASON_BLOCK: {REASON_INPUT: state_value("plain_text_input", comment)}})
    bot.deliver()
    return reply


def decided_steps(bot: Any, ticket_id: int) -> list[tuple[str, str | None, str | None]]:
    with bot.services.session_factory() as session:
        return [(s.status, s.decided_by, s.comment) for s in session.scalars(
            select(ApprovalStep).where(ApprovalStep.ticket_id == ticket_id).order_by(ApprovalStep.position))]


def approvals_in_the_trail(bot: Any, ticket_id: int) -> list[tuple[str, str | None]]:
    with bot.services.session_factory() as session:
        return [(e.actor_id, e.reason) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.ticket_id == ticket_id, AuditEvent.action == "step.approved")
            .order_by(AuditEvent.id))]


def test_the_manager_approves_with_a_comment_the_requester_and_the_next_approver_read_it(bot):
    ticket = expense(bot, 300_000)  # manager, then the finance lead

    reply = approve_with_comment(bot, MANAGER, COMMENT)

    assert reply.status == 200 and not (reply.body or {}).get("errors")
    assert decided_steps(bot, ticket)[0] == ("approved", MANAGER, COMMENT)
    told = [m for m in bot.slack.messages(bot.slack.dm_channel(EMPLOYEE)) if "コメント" in m.get("text", "")]
    assert len(told) == 1 and ESCAPED in told[0]["text"] and "<!channel>" not in everything(told[0])
    lead_card = approval_message(bot, FIN_LEAD)
    assert "これまでの承認者のコメント" in everything(lead_card) and ESCAPED in everything(lead_card)
    manager_card = bot.slack.message(bot.slack.dm_channel(MANAGER), approval_message(bot, MANAGER)["ts"])
    assert buttons(manager_card) == {} and f"コメント: {ESCAPED}" in everything(manager_card)
    assert approvals_in_the_trail(bot, ticket) == [(MANAGER, COMMENT)]


def test_the_last_approvers_comment_is_in_the_approved_notice(bot):
    ticket = expense(bot, 30_000)  # the manager only

    approve_with_comment(bot, MANAGER, "来月からは事前申請でお願いします")

    assert approvals.status_of(bot, ticket) == "approved"
    approved = [t for t in approvals.dm_texts(bot, EMPLOYEE) if "承認されました" in t]
    assert len(approved) == 1 and "来月からは事前申請でお願いします" in approved[0]


def test_the_comment_is_optional_and_the_plain_button_still_approves_at_once(bot):
    first = expense(bot, 30_000)
    approvals.click(bot, MANAGER, approval_message(bot, MANAGER), APPROVE)

    assert not bot.slack.modal_stack(MANAGER)  # no modal: 承認 decides at once
    assert decided_steps(bot, first) == [("approved", MANAGER, None)]

    second = expense(bot, 30_000)
    approve_with_comment(bot, MANAGER, None)

    assert decided_steps(bot, second) == [("approved", MANAGER, None)]
    assert not [t for t in approvals.dm_texts(bot, EMPLOYEE) if "のコメント" in t]


def test_an_english_speaker_reads_the_comment_in_english(bot):
    request(bot, EMPLOYEE_EN, "expense", {"category": "travel", "amount": 300_000, "spent_on": "2026-11-20",
                                          "purpose": "Osaka trip", "receipt_url": "https://files.example.co.jp/r/2"})

    approve_with_comment(bot, MANAGER, "Fine, but use the corporate card next time")

    told = [t for t in approvals.dm_texts(bot, EMPLOYEE_EN) if "commented" in t]
    assert len(told) == 1 and "Fine, but use the corporate card next time" in told[0] and "佐藤 健" in told[0]
