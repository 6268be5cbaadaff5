"""Approvals by button (稟議), over signed HTTP against the fake Slack: the conversations they check."""

from __future__ import annotations

from datetime import timedelta

from bot.approvals import delegation, flow
from bot.slack_ids import ApprovalAction
from models import Ticket
from tests.service.approvals_fixtures import (
    EMPLOYEE,
    FIN_LEAD,
    MANAGER,
    START,
    approval_bot_fixture,  # noqa: F401 - the `bot` fixture
    )
from tests.wiring.approvals_steps import (
    APPROVE,
    DETAILS,
    REJECT,
    SEND_BACK,
    approval_message,
    buttons,
    click,
    dm_texts,
    give_reason,
    status_of,
    steps,
    submit_expense,
)


def test_a_30000_yen_expense_is_approved_by_the_manager_alone(bot):
    ticket = submit_expense(bot, EMPLOYEE, 30_000)
    request = approval_message(bot, MANAGER)
    assert set(buttons(request)) == {APPROVE, ApprovalAction.APPROVE_WITH_COMMENT, SEND_BACK, REJECT, DETAILS}
    assert "¥30,000" in str(request["blocks"]) and "https://files.example.co.jp/r/123" in str(request["blocks"])

    assert click(bot, MANAGER, request, APPROVE).status == 200

    decided = bot.slack.message(bot.slack.dm_channel(MANAGER), request["ts"])
    assert buttons(decided) == {}  # updated in place: no more buttons
    assert "佐藤 健 が承認しました" in str(decided["blocks"])
    assert status_of(bot, ticket) == "approved"
    assert any("承認されました" in t and "経理・財務" in t for t in dm_texts(bot, EMPLOYEE))


def test_a_300000_yen_expense_needs_the_finance_lead_too(bot):
    ticket = submit_expense(bot, EMPLOYEE, 300_000)
    click(bot, MANAGER, approval_message(bot, MANAGER), APPROVE)

    assert status_of(bot, ticket) == "pending_approval"
    assert any("次は 鈴木 一郎 さんの承認待ち" in t for t in dm_texts(bot, EMPLOYEE))
    click(bot, FIN_LEAD, approval_message(bot, FIN_LEAD), APPROVE)

    assert status_of(bot, ticket) == "approved"
    assert steps(bot, ticket) == [("approved", MANAGER, None), ("approved", FIN_LEAD, None)]


def test_send_back_with_marked_fields_then_resubmission_re_enters_at_that_step(bot):
    ticket = submit_expense(bot, EMPLOYEE, 300_000)
    click(bot, MANAGER, approval_message(bot, MANAGER), APPROVE)
    click(bot, FIN_LEAD, approval_message(bot, FIN_LEAD), SEND_BACK)
    modal = bot.slack.modal_stack(FIN_LEAD)[-1]
    assert "金額（税込）" in str(modal["blocks"])  # the fields the approver may mark

    give_reason(bot, FIN_LEAD, "領収書の金額と一致しません", ["amount", "receipt_url"])

    assert status_of(bot, ticket) == "sent_back"
    notice = bot.slack.messages(bot.slack.dm_channel(EMPLOYEE))[-1]
    assert "領収書の金額と一致しません" in notice["text"] and "金額（税込）" in notice["text"]
    assert "approval_resubmit" in buttons(notice)
    # The requester fixes the amount (intake's resubmit stores it and calls the resume hook).
    with bot.services.session_factory() as session, session.begin():
        row = session.get(Ticket, ticket)
        row.fields = {**row.fields, "amount": 280_000}
        flow.resume_approval(session, bot.services, row, EMPLOYEE,
                             {"amount": {"before": 300_000, "after": 280_000}})
    bot.deliver()

    again = approval_message(bot, FIN_LEAD)  # the finance lead again, not the manager
    assert "~¥300,000~ → ¥280,000" in str(again["blocks"]) or "~300000~ → 280000" in str(again["blocks"])
    click(bot, FIN_LEAD, again, APPROVE)
    assert status_of(bot, ticket) == "approved"
    assert [s[0] for s in steps(bot, ticket)] == ["approved", "sent_back", "skipped", "approved"]


def test_rejection_with_a_reason_closes_the_request(bot):
    ticket = submit_expense(bot, EMPLOYEE, 30_000)
    click(bot, MANAGER, approval_message(bot, MANAGER), REJECT)
    assert give_reason(bot, MANAGER, "").body["response_action"] == "errors"  # a reason is required
    give_reason(bot, MANAGER, "私的な飲食代は対象外です")

    assert status_of(bot, ticket) == "rejected"
    assert "却下されました" in dm_texts(bot, EMPLOYEE)[-1] and "私的な飲食代は対象外です" in dm_texts(bot, EMPLOYEE)[-1]
    decided = bot.slack.message(bot.slack.dm_channel(MANAGER), approval_message(bot, MANAGER)["ts"])
    assert buttons(decided) == {} and "却下しました" in str(decided["blocks"])


def test_a_delegate_approves_on_behalf_of_the_manager(bot):
    with bot.services.session_factory() as session, session.begin():
        delegation.create(session, bot.services, delegator=MANAGER,
                          delegate=FIN_LEAD, starts_at=START, ends_at=START + timedelta(days=2), actor=MANAGER)
    ticket = submit_expense(bot, EMPLOYEE, 30_000)
    request = approval_message(bot, FIN_LEAD)
    assert "佐藤 健 さんの代理承認者として" in str(request["blocks"])

    click(bot, FIN_LEAD, request, APPROVE)

    assert steps(bot, ticket) == [("approved", FIN_LEAD, MANAGER)]
    assert "鈴木 一郎（佐藤 健 の代理） が承認しました" in str(
        bot.slack.message(bot.slack.dm_channel(MANAGER), approval_message(bot, MANAGER)["ts"])["blocks"])


def test_withdrawal_cancels_open_steps_and_updates_the_approvers_message(bot):
    ticket = submit_expense(bot, EMPLOYEE, 300_000)
    with bot.services.session_factory() as session, session.begin():
        flow.cancel_approval(session, bot.services, session.get(Ticket, ticket), EMPLOYEE)
    bot.deliver()

    assert [s[0] for s in steps(bot, ticket)] == ["cancelled", "cancelled"]
    message = bot.slack.message(bot.slack.dm_channel(MANAGER), approval_message(bot, MANAGER)["ts"])
    assert buttons(message) == {} and "取り下げられた" in str(message["blocks"])


def test_details_shows_the_fields_and_the_history(bot):
    submit_expense(bot, EMPLOYEE, 30_000)
    click(bot, MANAGER, approval_message(bot, MANAGER), DETAILS)

    modal = bot.slack.modal_stack(MANAGER)[-1]
    assert "承認の経過" in str(modal["blocks"]) and "佐藤 健 — 承認待ち" in str(modal["blocks"])
