"""Approvals end to end, over signed HTTP, through the REAL intake: the employee fills the expense
form (/helpdesk → 経費精算 → submit), approvers click in their DMs or on App Home, the requester's
receipt follows every step, and the approved ticket lands on the finance desk's card."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.approvals.delegation_view import (
    DATE_INPUT,
    DELEGATE_BLOCK,
    DELEGATE_INPUT,
    ENDS_BLOCK,
    NOTE_BLOCK,
    NOTE_INPUT,
    STARTS_BLOCK,
)
from bot.approvals.views import REASON_INPUT, REASSIGN_REASON_BLOCK, REASSIGN_TO_BLOCK, REASSIGN_TO_INPUT
from bot.fakeslack import FakeUser
from bot.fakeslack.state_values import state_value
from bot.slack_ids import ApprovalAction, TicketAction
from models import AuditEvent, Delegation, Ticket
from tests.service.approvals_fixtures import (
    ADMIN,
    CFO,
    EMPLOYEE,
    FIN_LEAD,
    MANAGER,
    OUTSIDER,
    approval_bot_fixture,  # noqa: F401 - the `bot` fixture
)
from tests.wiring import approvals_steps as approvals
from tests.wiring.approvals_steps import (
    APPROVE,
    DETAILS,
    REJECT,
    SEND_BACK,
    approval_message,
    buttons,
    give_reason,
    ticket_number,
)
from tests.wiring.intake_steps import card, dm_with, everything, modal, request, submit_form

EMPLOYEE_EN = "UEMPLOYEE2"
RECEIPT = "https://files.example.co.jp/r/123"




# -- steps ----------------------------------------------------------------------------------------
def expense(bot: Any, amount: int, requester: str = EMPLOYEE) -> int:
    """The employee's own way in: /helpdesk → 経費精算 → the form → submit."""
    ticket = request(bot, requester, "expense", {"category": "travel", "amount": amount, "spent_on": "2026-11-20",
                                                  "purpose": "大阪出張", "receipt_url": RECEIPT})
    return ticket.id


def click(bot: Any, user: str, message: dict[str, Any], action: str, **kw: Any) -> Any:
    return approvals.click(bot, user, message, action, **kw)


def receipt(bot: Any, user: str = EMPLOYEE) -> dict[str, Any]:
    """The requester's receipt DM (the first message with a header that is not an approval request;
    one message, updated in place)."""
    found = [m for m in bot.slack.messages(bot.slack.dm_channel(user))
             if any(b.get("type") == "header" for b in m.get("blocks", [])) and "承認依頼" not in m.get("text", "")]
    assert found, "no receipt in the requester's DM"
    return found[0]


def open_home(bot: Any, user: str) -> dict[str, Any]:
    bot.requester.event({"type": "app_home_opened", "user": user, "channel": bot.slack.dm_channel(user),
                         "tab": "home", "event_ts": "1700000000.000100"})
    bot.deliver()
    home = bot.slack.home_view(user)
    assert home is not None, f"no Home published for {user}"
    return home


def home_click(bot: Any, user: str, action: str, block_prefix: str) -> Any:
    """Click `action` in the Home block whose id starts with `block_prefix`."""
    home = bot.slack.home_view(user)
    for block in home["blocks"]:
        elements = block.get("elements", []) if block["type"] == "actions" else [block.get("accessory") or {}]
        for element in elements:
            if element.get("action_id") == action and str(block.get("block_id", "")).startswith(block_prefix):
                reply = bot.requester.block_action(user_id=user, action_id=action, value=element.get("value"),
                                                   block_id=block["block_id"], view=home)
                bot.deliver()
                return reply
    raise AssertionError(f"no {action} under {block_prefix} on {user}'s Home: {everything(home)}")


def _number(bot: Any, ticket_id: int) -> str:
    with bot.services.session_factory() as session:
        return session.get(Ticket, ticket_id).number


def audit(bot: Any, action: str) -> list[AuditEvent]:
    with bot.services.session_factory() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def fill_delegation(bot: Any, user: str, delegate: str | None, starts: str | None, ends: str | None,
                    note: str | None = None) -> Any:
    values = {DELEGATE_BLOCK: {DELEGATE_INPUT: state_value("users_select", delegate)},
              STARTS_BLOCK: {DATE_INPUT: state_value("datepicker", starts)},
              ENDS_BLOCK: {DATE_INPUT: state_value("datepicker", ends)},
              NOTE_BLOCK: {NOTE_INPUT: state_value("plain_text_input", note)}}
    reply = bot.requester.view_submission(user_id=user, view=modal(bot, user), values=values)
    bot.deliver()
    return reply


# -- the conversations ------------------------------------------------------------------------------
def test_a_30000_yen_expense_from_the_form_is_approved_by_the_manager_and_reaches_the_finance_desk(bot):
    ticket = expense(bot, 30_000)
    number = _number(bot, ticket)
    assert "承認待ち" in everything(receipt(bot))

    request_dm = approval_message(bot, MANAGER)
    assert "¥30,000" in everything(request_dm) and RECEIPT in everything(request_dm)
    click(bot, MANAGER, request_dm, APPROVE)

    assert approvals.status_of(bot, ticket) == "approved"
    assert buttons(bot.slack.message(bot.slack.dm_channel(MANAGER), request_dm["ts"])) == {}
    assert "承認されました" in " ".join(approvals.dm_texts(bot, EMPLOYEE))
    assert number in card(bot, "finance", number)["text"]  # handed to the finance triage desk
    assert "承認済み" in everything(receipt(bot))  # the receipt shows the new status, updated in place


def test_a_300000_yen_expense_needs_the_finance_lead_after_the_manager(bot):
    ticket = expense(bot, 300_000)
    number = _number(bot, ticket)
    click(bot, MANAGER, approval_message(bot, MANAGER), APPROVE)

    assert approvals.status_of(bot, ticket) == "pending_approval"
    assert any("次は 鈴木 一郎 さんの承認待ち" in t for t in approvals.dm_texts(bot, EMPLOYEE))
    assert not [m for m in bot.slack.messages("CFINANCE") if number in m.get("text", "")]  # not yet at the desk

    lead_dm = approval_message(bot, FIN_LEAD)
    assert "承認ステップ 2/2" in everything(lead_dm)
    click(bot, FIN_LEAD, lead_dm, APPROVE)

    assert approvals.steps(bot, ticket) == [("approved", MANAGER, None), ("approved", FIN_LEAD, None)]
    assert number in card(bot, "finance", number)["text"]
    assert "承認済み" in everything(receipt(bot))


def test_send_back_marks_fields_the_requester_fixes_in_the_prefilled_form_and_the_approver_sees_the_diff(bot):
    ticket = expense(bot, 300_000)
    click(bot, MANAGER, approval_message(bot, MANAGER), APPROVE)
    click(bot, FIN_LEAD, approval_message(bot, FIN_LEAD), SEND_BACK)
    give_reason(bot, FIN_LEAD, "領収書の金額と一致しません", ["amount"])

    assert approvals.status_of(bot, ticket) == "sent_back"
    assert "差戻し" in everything(receipt(bot))
    notice = dm_with(bot, EMPLOYEE, "領収書の金額と一致しません")
    click(bot, EMPLOYEE, notice, ApprovalAction.RESUBMIT)

    form = modal(bot, EMPLOYEE)  # the request form, pre-filled, the marked field flagged
    assert "300000" in everything(form) and "領収書の金額と一致しません" in everything(form)
    reply = submit_form(bot, EMPLOYEE, "expense", {"category": "travel", "amount": 280_000, "spent_on": "2026-11-20",
                                                   "purpose": "大阪出張", "receipt_url": RECEIPT}, view=form)
    assert reply.status == 200, reply.body

    again = approval_message(bot, FIN_LEAD)  # back to the finance lead, not the manager
    assert "~¥300,000~ → ¥280,000" in everything(again)
    assert "承認待ち" in everything(receipt(bot))
    click(bot, FIN_LEAD, again, APPROVE)
    assert approvals.status_of(bot, ticket) == "approved"
    assert [s[0] for s in approvals.steps(bot, ticket)] == ["approved", "sent_back", "skipped", "approved"]


def test_rejection_needs_a_reason_and_closes_the_request(bot):
    ticket = expense(bot, 30_000)
    click(bot, MANAGER, approval_message(bot, MANAGER), REJECT)
    assert give_reason(bot, MANAGER, " ").body["errors"] == {"approval_reason": "理由を入力してください。"}

    give_reason(bot, MANAGER, "私的な飲食代は対象外です")

    assert approvals.status_of(bot, ticket) == "rejected"
    assert "私的な飲食代は対象外です" in approvals.dm_texts(bot, EMPLOYEE)[-1]
    assert "却下" in everything(receipt(bot)) and TicketAction.WITHDRAW not in buttons(receipt(bot))


def test_an_outsiders_click_is_refused_in_their_language_and_changes_nothing(bot):
    ticket = expense(bot, 30_000)
    request_dm = approval_message(bot, MANAGER)

    click(bot, OUTSIDER, request_dm, APPROVE, channel="CGENERAL")
    click(bot, EMPLOYEE_EN, request_dm, REJECT, channel="CGENERAL")

    number = ticket_number(bot, ticket)
    assert [e["text"] for e in bot.slack.ephemerals(OUTSIDER)] == [
        f"{number} 経費精算（山田 花子 さんの申請）を判断できるのは 佐藤 健 さんです。"
        "あなたはこの申請の承認者ではありません。"]
    assert [e["text"] for e in bot.slack.ephemerals(EMPLOYEE_EN)] == [
        f"Only 佐藤 健 can decide on {number} Expense claim (山田 花子's request). "
        "You are not an approver of this request."]
    assert approvals.steps(bot, ticket) == [("pending", None, None)]
    assert buttons(bot.slack.message(bot.slack.dm_channel(MANAGER), request_dm["ts"])) != {}


def test_a_delegate_set_with_the_helpdesk_delegate_modal_approves_on_behalf(bot):
    assert bot.command(MANAGER, "delegate").status == 200
    assert modal(bot, MANAGER)["title"]["text"] == "代理承認者の設定"
    fill_delegation(bot, MANAGER, FIN_LEAD, "2026-11-24", "2026-11-27", note="出張のため")

    assert "代理承認者を設定しました: 鈴木 一郎 さん" in " ".join(approvals.dm_texts(bot, MANAGER))
    assert any("佐藤 健 さんの代理承認が始まりました" in t for t in approvals.dm_texts(bot, FIN_LEAD))
    ticket = expense(bot, 30_000)
    as_delegate = approval_message(bot, FIN_LEAD)
    assert "佐藤 健 さんの代理承認者として" in everything(as_delegate)

    click(bot, FIN_LEAD, as_delegate, APPROVE)

    assert approvals.steps(bot, ticket) == [("approved", FIN_LEAD, MANAGER)]
    managers_copy = bot.slack.message(bot.slack.dm_channel(MANAGER), approval_message(bot, MANAGER)["ts"])
    assert "鈴木 一郎（佐藤 健 の代理） が承認しました" in everything(managers_copy)
    decided = audit(bot, "step.approved")[-1]
    assert (decided.actor_id, decided.on_behalf_of) == (FIN_LEAD, MANAGER)


@pytest.mark.parametrize(("delegate", "starts", "ends", "block", "message"), [
    (MANAGER, "2026-11-24", "2026-11-27", DELEGATE_BLOCK, "自分自身を代理承認者にはできません。"),
    (FIN_LEAD, "2026-11-27", "2026-11-25", ENDS_BLOCK, "終了日は開始日より後にしてください。"),
    ("UNOBODY01", "2026-11-24", "2026-11-27", DELEGATE_BLOCK,
     "この人は組織名簿に登録されていないため、代理承認者にできません。"),
    (CFO, "2026-11-24", "2026-11-27", DELEGATE_BLOCK,
     "この人は Slack で無効（退職・停止済み）またはボットのため、指定できません。"),
    (FIN_LEAD, "2026-11-24", None, ENDS_BLOCK, "入力してください。"),
])
def test_the_delegation_modal_shows_each_problem_next_to_its_field(bot, delegate, starts, ends, block, message):
    bot.slack.add_user(FakeUser(id="UNOBODY01", name="nobody", real_name="外部 太郎"))
    bot.slack.add_user(FakeUser(id=CFO, name="cfo", real_name="高橋 誠", deleted=True))
    bot.command(MANAGER, "delegate")

    reply = fill_delegation(bot, MANAGER, delegate, starts, ends)

    assert reply.body == {"response_action": "errors", "errors": {block: message}}
    with bot.services.session_factory() as session:
        assert session.scalars(select(Delegation)).all() == []


def test_an_overlapping_delegation_is_refused_in_english_for_an_english_speaker(bot):
    for ends in ("2026-11-27", "2026-11-30"):
        bot.command(EMPLOYEE_EN, "delegate")
        reply = fill_delegation(bot, EMPLOYEE_EN, FIN_LEAD, "2026-11-25", ends)
    assert reply.body["errors"] == {STARTS_BLOCK: "You already have a delegate for these dates. Cancel it first."}


def test_my_delegation_on_home_shows_both_sides_and_is_cancelled_from_there(bot):
    bot.command(MANAGER, "delegate")
    fill_delegation(bot, MANAGER, FIN_LEAD, "2026-11-26", "2026-11-27")

    mine = everything(open_home(bot, MANAGER))
    assert "代理設定" in mine and "あなたの代理: *鈴木 一郎* さん" in mine and "予定" in mine
    assert "*佐藤 健* さんの代理を務めます" in everything(open_home(bot, FIN_LEAD))

    home_click(bot, MANAGER, ApprovalAction.DELEGATE_CANCEL, "delegation:")

    with bot.services.session_factory() as session:
        assert session.scalars(select(Delegation)).one().cancelled_at is not None
    assert "代理承認者は設定されていません" in everything(bot.slack.home_view(MANAGER))
    assert [e.action for e in audit(bot, "delegation.cancelled")] == ["delegation.cancelled"]
    home_click(bot, MANAGER, ApprovalAction.DELEGATE_OPEN, "delegation:actions")  # 設定する: the same modal
    assert modal(bot, MANAGER)["title"]["text"] == "代理承認者の設定"


def test_withdrawing_from_the_receipt_cancels_the_open_steps_and_updates_the_approvers_message(bot):
    ticket = expense(bot, 300_000)
    request_dm = approval_message(bot, MANAGER)

    click(bot, EMPLOYEE, receipt(bot), TicketAction.WITHDRAW)

    assert approvals.status_of(bot, ticket) == "withdrawn"
    assert [s[0] for s in approvals.steps(bot, ticket)] == ["cancelled", "cancelled"]
    withdrawn = bot.slack.message(bot.slack.dm_channel(MANAGER), request_dm["ts"])
    assert buttons(withdrawn) == {} and "取り下げられた" in everything(withdrawn)
    click(bot, MANAGER, request_dm, APPROVE, channel="CGENERAL")  # a stale copy elsewhere
    assert bot.slack.ephemerals(MANAGER)[-1]["text"] == "この申請は取り下げられたため、承認は不要になりました。"


def test_the_approver_decides_from_app_home_and_the_dm_is_updated_too(bot):
    ticket = expense(bot, 30_000)
    home = everything(open_home(bot, MANAGER))
    assert "承認待ち（1件）" in home and "山田 花子" in home

    home_click(bot, MANAGER, APPROVE, "home_approval:")

    assert approvals.status_of(bot, ticket) == "approved"
    dm = bot.slack.message(bot.slack.dm_channel(MANAGER), approval_message(bot, MANAGER)["ts"])
    assert buttons(dm) == {} and "佐藤 健 が承認しました" in everything(dm)
    assert "承認待ち" not in everything(bot.slack.home_view(MANAGER))  # Home refreshed by the outbox


def test_home_shows_a_delegates_waiting_steps_on_behalf_and_send_back_works_from_there(bot):
    bot.command(MANAGER, "delegate")
    fill_delegation(bot, MANAGER, FIN_LEAD, "2026-11-24", "2026-11-25")
    ticket = expense(bot, 30_000)

    home = everything(open_home(bot, FIN_LEAD))
    assert "佐藤 健 さんの代理" in home
    home_click(bot, FIN_LEAD, SEND_BACK, "home_approval:")
    give_reason(bot, FIN_LEAD, "目的を詳しく", ["purpose"])

    assert approvals.steps(bot, ticket) == [("sent_back", FIN_LEAD, MANAGER)]


def test_an_admin_reassigns_a_pending_step_from_the_details_view(bot):
    ticket = expense(bot, 30_000)
    old = approval_message(bot, MANAGER)
    assert "進行中の承認（管理者・1件）" in everything(open_home(bot, ADMIN))

    home_click(bot, ADMIN, DETAILS, "home_inflight:")
    details = modal(bot, ADMIN)
    reassign = buttons(details)[ApprovalAction.REASSIGN_OPEN]
    bot.requester.block_action(user_id=ADMIN, action_id=ApprovalAction.REASSIGN_OPEN, value=reassign, view=details)
    form = modal(bot, ADMIN)
    assert form["title"]["text"] == "承認者の変更" and len(bot.slack.modal_stack(ADMIN)) == 2  # pushed on 詳細

    values = {REASSIGN_TO_BLOCK: {REASSIGN_TO_INPUT: state_value("users_select", CFO)},
              REASSIGN_REASON_BLOCK: {REASON_INPUT: state_value("plain_text_input", "佐藤さんは長期休暇中")}}
    reply = bot.requester.view_submission(user_id=ADMIN, view=form, values=values)
    bot.deliver()

    assert reply.body == {"response_action": "clear"}
    moved = bot.slack.message(bot.slack.dm_channel(MANAGER), old["ts"])
    assert buttons(moved) == {} and "中村 恵（管理者）が承認者を 高橋 誠 さんに変更しました" in everything(moved)
    assert "佐藤さんは長期休暇中" in everything(moved)
    event = audit(bot, "step.reassigned")[-1]
    assert (event.actor_id, event.before["approvers"], event.after["approvers"], event.reason) == (
        ADMIN, [MANAGER], [CFO], "佐藤さんは長期休暇中")
    click(bot, CFO, approval_message(bot, CFO), APPROVE)
    assert approvals.steps(bot, ticket) == [("approved", CFO, None)]


def test_a_non_admin_cannot_open_the_reassign_form_and_is_told_so(bot):
    expense(bot, 30_000)
    click(bot, MANAGER, approval_message(bot, MANAGER), DETAILS)
    details = modal(bot, MANAGER)
    assert ApprovalAction.REASSIGN_OPEN not in buttons(details)  # not offered
    step_pointer = buttons(approval_message(bot, MANAGER))[APPROVE]

    bot.requester.block_action(user_id=EMPLOYEE_EN, action_id=ApprovalAction.REASSIGN_OPEN, value=step_pointer,
                               channel_id="CGENERAL", message=approval_message(bot, MANAGER))
    bot.deliver()

    assert bot.slack.ephemerals(EMPLOYEE_EN)[-1]["text"] == "You are not allowed to do this."
    assert len(bot.slack.modal_stack(EMPLOYEE_EN)) == 0


def test_a_reassign_to_the_same_approver_or_the_requester_is_refused_under_the_field(bot):
    expense(bot, 30_000)
    step_pointer = buttons(approval_message(bot, MANAGER))[APPROVE]
    refused = ((MANAGER, "この人は既にこのステップの承認者です。"), (EMPLOYEE, "申請者本人を承認者にはできません。"))
    for to, message in refused:
        bot.requester.block_action(user_id=ADMIN, action_id=ApprovalAction.REASSIGN_OPEN, value=step_pointer,
                                   channel_id="CGENERAL", message=approval_message(bot, MANAGER))
        values = {REASSIGN_TO_BLOCK: {REASSIGN_TO_INPUT: state_value("users_select", to)},
                  REASSIGN_REASON_BLOCK: {REASON_INPUT: state_value("plain_text_input", "異動")}}
        reply = bot.requester.view_submission(user_id=ADMIN, view=modal(bot, ADMIN), values=values)
        assert reply.body == {"response_action": "errors", "errors": {REASSIGN_TO_BLOCK: message}}
    assert audit(bot, "step.reassigned") == []


def test_a_delegation_ends_by_itself_and_both_are_told(bot):
    from bot.approvals.jobs import delegation_notices
    from bot.scheduler import Scheduler

    bot.command(MANAGER, "delegate")
    fill_delegation(bot, MANAGER, FIN_LEAD, "2026-11-24", "2026-11-24")
    bot.services.clock.advance(timedelta(days=1))
    Scheduler(bot.services, [delegation_notices]).tick()
    bot.deliver()

    assert "鈴木 一郎 さんによる代理承認は終了しました。" in approvals.dm_texts(bot, MANAGER)
    assert "佐藤 健 さんの代理承認は終了しました。" in approvals.dm_texts(bot, FIN_LEAD)
