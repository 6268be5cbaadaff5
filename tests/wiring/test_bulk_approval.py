"""まとめて承認 from App Home, over signed HTTP: every waiting request ticked in one confirmation modal; each is
decided by itself (its own compare-and-set, audit event and messages), and those someone else decided
meanwhile are reported back, not lost. 差戻し and 却下 stay one at a time, with a reason."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.approvals.views import BULK_INPUT
from bot.fakeslack.state_values import state_value
from bot.slack_ids import ApprovalAction
from models import AuditEvent
from tests.service.approvals_fixtures import (
    EMPLOYEE,
    FIN_LEAD,
    MANAGER,
    approval_bot_fixture,  # noqa: F401 - the `bot` fixture
)
from tests.wiring import approvals_steps as approvals
from tests.wiring.approvals_steps import APPROVE, ticket_number
from tests.wiring.intake_steps import everything
from tests.wiring.test_approvals_journeys import fill_delegation, home_click, open_home


def open_bulk(bot: Any, user: str) -> dict[str, Any]:
    open_home(bot, user)
    home_click(bot, user, ApprovalAction.BULK_OPEN, "home_bulk")
    return bot.slack.modal_stack(user)[-1]


def ticked(modal: dict[str, Any]) -> dict[str, list[str]]:
    return {b["block_id"]: [o["value"] for o in b["element"].get("initial_options", [])]
            for b in modal["blocks"] if b["type"] == "input"}


def submit(bot: Any, user: str, modal: dict[str, Any], chosen: dict[str, list[str]]) -> dict[str, Any]:
    reply = bot.requester.view_submission(user_id=user, view=modal, values={
        block: {BULK_INPUT: state_value("checkboxes", values)} for block, values in chosen.items()})
    bot.deliver()
    assert reply.status == 200 and reply.body["response_action"] == "update", reply.body
    return reply.body["view"]


def test_ten_approved_at_once_where_the_delegate_decided_two_meanwhile(bot):
    bot.command(MANAGER, "delegate")
    fill_delegation(bot, MANAGER, FIN_LEAD, "2026-11-24", "2026-11-24")
    tickets = [approvals.submit_expense(bot, EMPLOYEE, 30_000) for _ in range(10)]
    modal = open_bulk(bot, MANAGER)
    assert modal["title"]["text"] == "まとめて承認" and sum(len(v) for v in ticked(modal).values()) == 10
    assert not [b for b in modal["blocks"] if "差戻し" in str(b.get("element", {}))]  # approve only

    for ticket in tickets[:2]:  # meanwhile, from the delegate's own DM
        number = ticket_number(bot, ticket)
        copy = [m for m in bot.slack.messages(bot.slack.dm_channel(FIN_LEAD)) if number in m.get("text", "")][-1]
        approvals.click(bot, FIN_LEAD, copy, APPROVE)
    result = everything(submit(bot, MANAGER, modal, ticked(modal)))

    assert "8 件を承認しました" in result and "次の 2 件は承認しませんでした" in result
    assert all(ticket_number(bot, t) in result for t in tickets) and "鈴木 一郎" in result
    assert [approvals.steps(bot, t) for t in tickets] == (
        [[("approved", FIN_LEAD, MANAGER)]] * 2 + [[("approved", MANAGER, None)]] * 8)
    with bot.services.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "step.approved", AuditEvent.ticket_id.in_(tickets))) == 10


def test_an_unticked_request_stays_waiting(bot):
    first, second = approvals.submit_expense(bot, EMPLOYEE, 30_000), approvals.submit_expense(bot, EMPLOYEE, 30_000)
    modal = open_bulk(bot, MANAGER)
    chosen = {block: [v for v in values if not v.startswith(f"{_step_of(bot, second)}:")]
              for block, values in ticked(modal).items()}

    submit(bot, MANAGER, modal, chosen)

    assert approvals.status_of(bot, first) == "approved" and approvals.status_of(bot, second) == "pending_approval"


def test_a_forged_pointer_to_someone_elses_step_decides_nothing_and_says_whose_it_is(bot):
    mine = approvals.submit_expense(bot, EMPLOYEE, 30_000)
    approvals.submit_expense(bot, EMPLOYEE, 30_000)
    theirs = approvals.submit_expense(bot, EMPLOYEE, 300_000)
    approvals.click(bot, MANAGER, [m for m in bot.slack.messages(bot.slack.dm_channel(MANAGER))
                                   if ticket_number(bot, theirs) in m.get("text", "")][-1], APPROVE)
    lead_step = _step_of(bot, theirs, position=2)  # the finance lead's, not the manager's
    modal = open_bulk(bot, MANAGER)
    chosen = {block: values for block, values in ticked(modal).items()}
    first_block = next(iter(chosen))
    chosen[first_block] = [*chosen[first_block], f"{lead_step}:1"]

    result = everything(submit(bot, MANAGER, modal, chosen))

    assert approvals.status_of(bot, mine) == "approved"
    assert approvals.steps(bot, theirs)[1] == ("pending", None, None)
    assert "あなたはこの申請の承認者ではありません" in result


def _step_of(bot: Any, ticket_id: int, position: int = 1) -> int:
    from models import ApprovalStep

    with bot.services.session_factory() as session:
        return session.scalar(select(ApprovalStep.id).where(ApprovalStep.ticket_id == ticket_id,
                                                            ApprovalStep.position == position))
