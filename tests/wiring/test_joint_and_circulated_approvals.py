"""合議 and 回付 over signed HTTP (issue #18, item 2), with the bundled config's contract review: the manager;
from ¥5,000,000 legal and finance together (合議: both approve, either may send it back); the CFO from
¥10,000,000; general affairs is told of every contract for its seal register (回付: read and confirm, nobody
decides, the chain does not wait)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.slack_ids import ApprovalAction
from models import ApprovalStep
from tests.harness import at_once
from tests.service.approvals_fixtures import approval_bot_fixture  # noqa: F401 - the `bot` fixture
from tests.wiring.approvals_steps import APPROVE, SEND_BACK, approval_message, buttons, click, give_reason, status_of
from tests.wiring.intake_steps import (
    EMPLOYEE,
    FIN_LEAD,
    GA_AGENT,
    LEGAL_AGENT,
    MANAGER,
    audit_actions,
    dm_with,
    modal,
    request,
    submit_form,
)

ACKNOWLEDGE = ApprovalAction.ACKNOWLEDGE


def contract(bot: Any, amount: int, summary: str = "新規取引先との業務委託。損害賠償条項を確認してください。") -> int:
    return request(bot, EMPLOYEE, "contract_review", {
        "counterparty": "株式会社サンプル", "contract_kind": "service", "template_side": "theirs",
        "due_on": "2026-12-10", "document_url": "https://files.example.co.jp/c/42", "amount": amount,
        "summary": summary}).id


def parts(bot: Any, ticket_id: int) -> list[tuple[int, int, int, str, str, str | None]]:
    """(round, position, part, mode, status, decided_by) of every row, in chain order."""
    with bot.services.session_factory() as session:
        rows = session.scalars(select(ApprovalStep).where(ApprovalStep.ticket_id == ticket_id)
                               .order_by(ApprovalStep.round, ApprovalStep.position, ApprovalStep.part))
        return [(s.round, s.position, s.part, s.mode, s.status, s.decided_by) for s in rows]


def circulation_message(bot: Any, user: str) -> dict[str, Any]:
    found = [m for m in bot.slack.messages(bot.slack.dm_channel(user)) if m.get("text", "").startswith("回付")]
    assert found, f"no 回付 in {user}'s DM"
    return found[-1]


def everything(message: dict[str, Any]) -> str:
    return str(message.get("blocks"))


def test_both_members_of_the_joint_step_approve_then_general_affairs_is_told_and_confirms(bot):
    ticket = contract(bot, 6_000_000)
    click(bot, MANAGER, approval_message(bot, MANAGER), APPROVE)

    # Legal and finance are asked at once; each card says it is a 合議 and where the other member stands.
    legal, finance = approval_message(bot, LEGAL_AGENT), approval_message(bot, FIN_LEAD)
    assert "合議（全員の承認が必要）" in everything(legal) and "承認ステップ 2/3" in everything(legal)
    assert "法務・経理（合議）の承認が必要です" in everything(finance)
    click(bot, LEGAL_AGENT, legal, APPROVE)

    assert status_of(bot, ticket) == "pending_approval"
    assert dm_with(bot, EMPLOYEE, "小林 直樹 が承認しました。次は 鈴木 一郎 さんの承認待ちです。")
    finance = approval_message(bot, FIN_LEAD)  # updated in place: legal has approved
    assert "小林 直樹（承認）" in everything(finance) and "鈴木 一郎（承認待ち）" in everything(finance)
    assert bot.slack.messages(bot.slack.dm_channel(GA_AGENT)) == []  # 回付 only once the 合議 is through

    click(bot, FIN_LEAD, finance, APPROVE)

    # Approved without waiting for general affairs, who is told, with one button and no decision to make.
    assert status_of(bot, ticket) == "approved"
    told = circulation_message(bot, GA_AGENT)
    assert set(buttons(told)) == {ACKNOWLEDGE}
    assert "確認のみ" in everything(told)
    click(bot, GA_AGENT, told, ACKNOWLEDGE)
    click(bot, GA_AGENT, told, ACKNOWLEDGE)  # a second tap changes nothing and says nothing

    assert "確認済み" in everything(circulation_message(bot, GA_AGENT))
    assert buttons(circulation_message(bot, GA_AGENT)) == {}
    assert bot.slack.ephemerals(GA_AGENT) == []
    assert parts(bot, ticket) == [(1, 1, 1, "any", "approved", MANAGER), (1, 2, 1, "all", "approved", LEGAL_AGENT),
                                  (1, 2, 2, "all", "approved", FIN_LEAD),
                                  (1, 3, 1, "fyi", "acknowledged", GA_AGENT)]
    actions = audit_actions(bot, ticket)
    assert actions.count("step.approved") == 3 and actions.count("step.acknowledged") == 1
    assert actions.count("step.informed") == 1 and actions.count("ticket.approved") == 1


def test_one_member_sends_the_joint_step_back_and_the_whole_step_is_asked_again(bot):
    ticket = contract(bot, 6_000_000)
    click(bot, MANAGER, approval_message(bot, MANAGER), APPROVE)
    legal = approval_message(bot, LEGAL_AGENT)

    click(bot, FIN_LEAD, approval_message(bot, FIN_LEAD), SEND_BACK)
    give_reason(bot, FIN_LEAD, "支払条件を明記してください", ["summary"])

    assert status_of(bot, ticket) == "sent_back"
    closed = approval_message(bot, LEGAL_AGENT)  # legal's card: closed by finance's 差戻し, no buttons
    assert "合議の 鈴木 一郎 が差し戻したため、このステップは終了しました" in everything(closed)
    assert buttons(closed) == {}
    reply = click(bot, LEGAL_AGENT, legal, APPROVE)  # the old card, clicked late
    assert reply.status == 200 and status_of(bot, ticket) == "sent_back"

    click(bot, EMPLOYEE, dm_with(bot, EMPLOYEE, "支払条件を明記"), ApprovalAction.RESUBMIT)
    reply = submit_form(bot, EMPLOYEE, "contract_review", {
        "counterparty": "株式会社サンプル", "contract_kind": "service", "template_side": "theirs",
        "due_on": "2026-12-10", "document_url": "https://files.example.co.jp/c/42", "amount": 6_000_000,
        "summary": "新規取引先との業務委託。支払条件: 月末締め翌月末払い。"}, view=modal(bot, EMPLOYEE))
    assert reply.status == 200, reply.body

    # Round 2: the manager's approval is carried over; both members of the 合議 are asked again.
    round_two = [p for p in parts(bot, ticket) if p[0] == 2]
    assert round_two[:3] == [(2, 1, 1, "any", "skipped", None), (2, 2, 1, "all", "pending", None),
                             (2, 2, 2, "all", "pending", None)]
    click(bot, LEGAL_AGENT, approval_message(bot, LEGAL_AGENT), APPROVE)
    click(bot, FIN_LEAD, approval_message(bot, FIN_LEAD), APPROVE)
    assert status_of(bot, ticket) == "approved"


def test_a_small_contract_is_approved_by_the_manager_and_circulated_without_waiting(bot):
    ticket = contract(bot, 300_000)
    click(bot, MANAGER, approval_message(bot, MANAGER), APPROVE)

    assert status_of(bot, ticket) == "approved"
    assert [p[3:5] for p in parts(bot, ticket)] == [("any", "approved"), ("fyi", "informed")]
    assert "回付 · ステップ 2/2" in everything(circulation_message(bot, GA_AGENT))
    # Only the person told confirms: the requester's (or anyone's) click on it is refused in words.
    reply = click(bot, MANAGER, circulation_message(bot, GA_AGENT), ACKNOWLEDGE)
    assert reply.status == 200
    assert [e["text"] for e in bot.slack.ephemerals(MANAGER)] == ["この回付はあなた宛てではありません。"]


# Run three times: one race may happen to serialise by itself (it deadlocked on PostgreSQL one time in three
# when the ticket was locked after the member's own part).
@pytest.mark.parametrize("attempt", [1, 2, 3])
def test_both_members_approving_at_the_same_moment_move_the_chain_on_exactly_once(bot, attempt):
    ticket = contract(bot, 6_000_000)
    click(bot, MANAGER, approval_message(bot, MANAGER), APPROVE)
    cards = {LEGAL_AGENT: approval_message(bot, LEGAL_AGENT), FIN_LEAD: approval_message(bot, FIN_LEAD)}

    def approve(user: str) -> Any:
        return bot.requester.block_action(user_id=user, action_id=APPROVE, value=buttons(cards[user])[APPROVE],
                                          channel_id=bot.slack.dm_channel(user), message=cards[user])

    statuses = at_once(*(lambda u=u: approve(u) for u in cards))
    bot.deliver()

    assert statuses == [200, 200]
    assert [e["text"] for user in cards for e in bot.slack.ephemerals(user)] == []  # neither told "try again"
    assert status_of(bot, ticket) == "approved"
    assert audit_actions(bot, ticket).count("ticket.approved") == 1
    assert audit_actions(bot, ticket).count("step.informed") == 1
    assert len([m for m in bot.slack.messages(bot.slack.dm_channel(GA_AGENT))
                if m.get("text", "").startswith("回付")]) == 1
