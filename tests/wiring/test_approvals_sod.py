"""Segregation of duties (職務分掌), over signed HTTP: nobody decides a step of their own request —
not directly, not as a delegate, not by an admin's re-assignment; the chain routes around the
requester and says so; who may decide is re-checked against the org directory at decision time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select

from bot.approvals.views import REASON_INPUT, REASSIGN_REASON_BLOCK, REASSIGN_TO_BLOCK, REASSIGN_TO_INPUT
from bot.config import WorkspaceConfig
from bot.fakeslack.state_values import state_value
from bot.slack_ids import ApprovalAction
from models import ApprovalStep, AuditEvent
from tests.harness import Bot, start_bot
from tests.service.approvals_fixtures import (
    ADMIN,
    CFO,
    EMPLOYEE,
    FIN_LEAD,
    MANAGER,
    approval_config,
    clock,
)
from tests.wiring import approvals_steps as approvals
from tests.wiring.approvals_steps import APPROVE, REJECT, SEND_BACK, approval_message, buttons, ticket_number
from tests.wiring.intake_steps import everything, modal, request
from tests.wiring.test_approvals_journeys import fill_delegation, open_home

RECEIPT = "https://files.example.co.jp/r/123"
OWN_REQUEST = "ご自身の申請は承認・差戻し・却下できません。"


def with_rules(config: WorkspaceConfig, rules: list[dict[str, Any]]) -> WorkspaceConfig:
    data = config.model_dump()
    for rt in data["request_types"]:
        if rt["key"] == "expense":
            rt["approval"] = rules
    return type(config).model_validate(data)


def without_person(config: WorkspaceConfig, key: str) -> WorkspaceConfig:
    """The org directory after `key` left: gone from the people, their reports moved to their manager."""
    data = config.model_dump()
    gone = next(p for p in data["org"]["people"] if p["key"] == key)
    data["org"]["people"] = [p for p in data["org"]["people"] if p["key"] != key]
    for person in data["org"]["people"]:
        if person.get("manager") == key:
            person["manager"] = gone["manager"]
    for department in data["departments"]:
        for role in ("agents", "admins", "approvers"):
            department[role] = [k for k in department[role] if k != key]
    return type(config).model_validate(data)


@pytest.fixture(name="make_bot")
def make_bot_fixture(clean_engine: Engine) -> Iterator[Any]:
    started: list[Bot] = []

    def make(config: WorkspaceConfig | None = None) -> Bot:
        started.append(start_bot(clean_engine, config=config or approval_config(), clock=clock()))
        return started[-1]

    yield make
    for running in started:
        running.stop()


def expense(bot: Bot, requester: str, amount: int) -> int:
    return request(bot, requester, "expense", {"category": "travel", "amount": amount, "spent_on": "2026-11-20",
                                               "purpose": "大阪出張", "receipt_url": RECEIPT}).id


def approval_requests(bot: Bot, user: str) -> list[dict[str, Any]]:
    return [m for m in bot.slack.messages(bot.slack.dm_channel(user))
            if "承認依頼" in m.get("text", "") or "Approval request" in m.get("text", "")]


def step_rows(bot: Bot, ticket_id: int) -> list[tuple[str, list[str], str | None, str | None]]:
    with bot.services.session_factory() as session:
        rows = session.scalars(select(ApprovalStep).where(ApprovalStep.ticket_id == ticket_id)
                               .order_by(ApprovalStep.round, ApprovalStep.position))
        return [(s.status, list(s.approvers), s.decided_by, s.on_behalf_of) for s in rows]


def audit(bot: Bot, action: str) -> list[AuditEvent]:
    with bot.services.session_factory() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def crafted_click(bot: Bot, user: str, message: dict[str, Any], action: str) -> Any:
    """`user` sends the click of someone else's button (same value), from a channel: refusals are ephemeral."""
    reply = bot.requester.block_action(user_id=user, action_id=action, value=buttons(message)[action],
                                       channel_id="CGENERAL", message=message)
    bot.deliver()
    return reply


# -- the scenario: the manager's delegate is the requester -----------------------------------
def test_the_managers_delegate_cannot_approve_her_own_expense_and_it_goes_up_to_his_manager(make_bot):
    bot = make_bot()
    # 佐藤 (manager) is away this week and names 山田 (his report) as his delegate.
    bot.command(MANAGER, "delegate")
    fill_delegation(bot, MANAGER, EMPLOYEE, "2026-11-24", "2026-11-27", note="出張のため")

    # 山田 submits a ¥29,000 expense: her own manager's step.
    ticket = expense(bot, EMPLOYEE, 29_000)

    # She is not asked to approve her own request, anywhere.
    assert approval_requests(bot, EMPLOYEE) == []
    assert ApprovalAction.APPROVE not in str(open_home(bot, EMPLOYEE)["blocks"])
    # 佐藤 himself still is; and since his stand-in cannot act, his manager 高橋 (CFO) is asked too.
    managers_request = approval_message(bot, MANAGER)
    cfos_request = approval_message(bot, CFO)
    assert "申請者ご本人が佐藤 健 さんの代理承認者のため、上長の高橋 誠 さんにも回しました" in everything(cfos_request)
    # …and she is told why, in words.
    assert any("高橋 誠 さんにも回しました" in text for text in approvals.dm_texts(bot, EMPLOYEE))

    # A crafted click on her manager's button is refused and changes nothing.
    for action in (APPROVE, REJECT, SEND_BACK):
        assert crafted_click(bot, EMPLOYEE, managers_request, action).status == 200
    assert [e["text"] for e in bot.slack.ephemerals(EMPLOYEE)] == [OWN_REQUEST] * 3
    assert step_rows(bot, ticket)[0][0] == "pending"

    # The CFO decides; nobody decided on behalf of anyone.
    approvals.click(bot, CFO, cfos_request, APPROVE)
    assert step_rows(bot, ticket) == [("approved", [MANAGER, CFO], CFO, None)]
    routed = audit(bot, "step.routed")
    assert [(e.before, e.after["approvers"], e.after["why"]) for e in routed] == [
        ({"approvers": [MANAGER]}, [MANAGER, CFO], "delegate_is_requester")]


def test_the_manager_can_still_decide_his_step_when_his_delegate_is_the_requester(make_bot):
    bot = make_bot()
    bot.command(MANAGER, "delegate")
    fill_delegation(bot, MANAGER, EMPLOYEE, "2026-11-24", "2026-11-27")
    ticket = expense(bot, EMPLOYEE, 29_000)

    approvals.click(bot, MANAGER, approval_message(bot, MANAGER), APPROVE)

    assert step_rows(bot, ticket)[0][1:] == ([MANAGER, CFO], MANAGER, None)


def test_a_delegation_starting_while_her_request_waits_does_not_hand_it_to_her(make_bot):
    bot = make_bot()
    ticket = expense(bot, EMPLOYEE, 29_000)  # waits for 佐藤
    bot.command(MANAGER, "delegate")
    fill_delegation(bot, MANAGER, EMPLOYEE, "2026-11-24", "2026-11-27")

    assert approval_requests(bot, EMPLOYEE) == []
    assert step_rows(bot, ticket)[0][:2] == ("pending", [MANAGER, CFO])
    assert "上長の高橋 誠 さんにも回しました" in everything(approval_message(bot, CFO))


# -- the requester is (or would be) the approver ---------------------------------------------------------
@pytest.mark.parametrize(("requester", "next_up", "words"), [
    # 佐藤 holds the 部門長 role the rule names: his own request goes to his manager.
    (MANAGER, CFO, "申請者ご本人が承認者のため、上長の高橋 誠 さんに回しました"),
    # 高橋 (CFO) has no manager: the request type's department's approver (経理・財務: 鈴木) is asked.
    (CFO, FIN_LEAD, "申請者ご本人が承認者のため、経理・財務 の承認者の鈴木 一郎 さんに回しました"),
])
def test_a_request_whose_rule_names_the_requester_is_routed_around_them_and_both_are_told(
        make_bot, requester, next_up, words):
    rules = [{"label": "部門長", "role": "manager"}] if requester == MANAGER else [{"label": "CFO", "role": "cfo"}]
    bot = make_bot(with_rules(approval_config(), rules))

    ticket = expense(bot, requester, 29_000)

    assert approval_requests(bot, requester) == []
    assert step_rows(bot, ticket) == [("pending", [next_up], None, None)]
    assert words in everything(approval_message(bot, next_up))
    assert any(words in text for text in approvals.dm_texts(bot, requester))
    routed = audit(bot, "step.routed")[-1]
    assert (routed.before, routed.after["approvers"], routed.after["why"]) == (
        {"approvers": [requester]}, [next_up], "requester_is_approver")

    approvals.click(bot, next_up, approval_message(bot, next_up), APPROVE)
    assert step_rows(bot, ticket) == [("approved", [next_up], next_up, None)]


def test_a_requester_who_is_an_approver_of_the_step_cannot_decide_it_by_a_crafted_click(make_bot):
    # Legacy data: a step stored before this rule named the requester among its approvers.
    bot = make_bot()
    ticket = expense(bot, EMPLOYEE, 29_000)
    with bot.services.session_factory() as session, session.begin():
        step = session.scalars(select(ApprovalStep).where(ApprovalStep.ticket_id == ticket)).one()
        step.approvers = [MANAGER, EMPLOYEE]

    crafted_click(bot, EMPLOYEE, approval_message(bot, MANAGER), APPROVE)

    assert [e["text"] for e in bot.slack.ephemerals(EMPLOYEE)] == [OWN_REQUEST]
    assert step_rows(bot, ticket)[0][0] == "pending"


def test_the_requesters_own_delegate_cannot_decide_on_her_behalf_a_step_naming_her(make_bot):
    # Legacy data again: the requester is the step's approver and has a delegate (鈴木).
    bot = make_bot()
    bot.command(EMPLOYEE, "delegate")
    fill_delegation(bot, EMPLOYEE, FIN_LEAD, "2026-11-24", "2026-11-27")
    ticket = expense(bot, EMPLOYEE, 29_000)
    with bot.services.session_factory() as session, session.begin():
        step = session.scalars(select(ApprovalStep).where(ApprovalStep.ticket_id == ticket)).one()
        step.approvers = [EMPLOYEE]

    crafted_click(bot, FIN_LEAD, approval_message(bot, MANAGER), APPROVE)

    number = ticket_number(bot, ticket)
    assert [e["text"] for e in bot.slack.ephemerals(FIN_LEAD)] == [
        f"あなたは {number} 経費精算（山田 花子 さんの申請）の承認者ではないため、判断できません。"]
    assert step_rows(bot, ticket)[0][0] == "pending"


# -- admins ---------------------------------------------------------------------------------------------
def reassign(bot: Bot, admin: str, message: dict[str, Any], to: str) -> Any:
    """承認者を変更 → the form → submit; None when the form did not open."""
    before = len(bot.slack.modal_stack(admin))
    bot.requester.block_action(user_id=admin, action_id=ApprovalAction.REASSIGN_OPEN,
                               value=buttons(message)[APPROVE], channel_id="CGENERAL", message=message)
    bot.deliver()
    if len(bot.slack.modal_stack(admin)) == before:
        return None
    values = {REASSIGN_TO_BLOCK: {REASSIGN_TO_INPUT: state_value("users_select", to)},
              REASSIGN_REASON_BLOCK: {REASON_INPUT: state_value("plain_text_input", "異動のため")}}
    return bot.requester.view_submission(user_id=admin, view=modal(bot, admin), values=values)


def test_an_admin_cannot_reassign_a_step_to_its_requester(make_bot):
    bot = make_bot()
    ticket = expense(bot, EMPLOYEE, 29_000)

    reply = reassign(bot, ADMIN, approval_message(bot, MANAGER), EMPLOYEE)

    assert reply.body == {"response_action": "errors",
                          "errors": {REASSIGN_TO_BLOCK: "申請者本人を承認者にはできません。"}}
    assert step_rows(bot, ticket)[0][:2] == ("pending", [MANAGER])


def test_an_admin_cannot_reassign_a_step_of_her_own_request(make_bot):
    bot = make_bot()
    ticket = expense(bot, ADMIN, 29_000)  # 中村 (admin) asks; her manager is the CFO

    reply = reassign(bot, ADMIN, approval_message(bot, CFO), FIN_LEAD)

    assert reply is None  # the form does not even open
    assert [e["text"] for e in bot.slack.ephemerals(ADMIN)] == [OWN_REQUEST]
    assert step_rows(bot, ticket)[0][:2] == ("pending", [CFO])
    assert audit(bot, "step.reassigned") == []


# -- the directory is re-checked at decision time --------------------------------------------------------
@pytest.mark.parametrize("action", [APPROVE, SEND_BACK, REJECT])
def test_an_approver_removed_from_the_org_directory_cannot_decide_a_step_assigned_earlier(make_bot, action):
    bot = make_bot()
    ticket = expense(bot, EMPLOYEE, 29_000)
    request_dm = approval_message(bot, MANAGER)
    bot.services.config = without_person(bot.services.config, "manager")  # 佐藤 left the company

    approvals.click(bot, MANAGER, request_dm, action, channel="CGENERAL")

    refusal = [e["text"] for e in bot.slack.ephemerals(MANAGER)]
    assert len(refusal) == 1 and "FIN-0001" in refusal[0] and "組織名簿" in refusal[0]
    assert "中村 恵" in refusal[0]  # who can put it right: the admin, by re-assigning the step
    assert step_rows(bot, ticket)[0][0] == "pending"
    # …and the admin can: the step is recoverable.
    reply = reassign(bot, ADMIN, request_dm, CFO)
    assert reply.status == 200 and step_rows(bot, ticket)[0][:2] == ("pending", [CFO])


def test_a_delegate_of_a_removed_approver_cannot_decide_on_his_behalf(make_bot):
    bot = make_bot()
    bot.command(MANAGER, "delegate")
    fill_delegation(bot, MANAGER, FIN_LEAD, "2026-11-24", "2026-11-27")
    ticket = expense(bot, EMPLOYEE, 29_000)
    as_delegate = approval_message(bot, FIN_LEAD)
    bot.services.config = without_person(bot.services.config, "manager")

    approvals.click(bot, FIN_LEAD, as_delegate, APPROVE, channel="CGENERAL")

    refusal = [e["text"] for e in bot.slack.ephemerals(FIN_LEAD)]
    assert len(refusal) == 1 and "組織名簿" in refusal[0] and "FIN-0001" in refusal[0]
    assert step_rows(bot, ticket)[0][0] == "pending"


# -- a service-level check: whatever path, decide() refuses the requester ----------------------------------
def test_decide_refuses_the_requester_whatever_the_path(make_bot):
    from bot.approvals import decide
    from bot.approvals.decide import OwnRequest

    bot = make_bot()
    ticket = expense(bot, EMPLOYEE, 29_000)
    with bot.services.session_factory() as session, session.begin():
        step = session.scalars(select(ApprovalStep).where(ApprovalStep.ticket_id == ticket)).one()
        step.approvers = [EMPLOYEE]
        with pytest.raises(OwnRequest):
            decide.decide(session, bot.services, step_id=step.id, version=step.version, actor=EMPLOYEE,
                          outcome="approved")
