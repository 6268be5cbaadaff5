"""The department's triage desk and the requester, over signed HTTP against the fake Slack: the
receipt DM and the card; claim → hold → answer → resolve → rating; re-route; withdraw; an outsider
refused; a confidential request that leaks nothing; onboarding opening its linked IT ticket."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.slack_ids import ApprovalAction, TicketAction, TicketBlock
from tests.wiring.intake_steps import (
    ADMIN,
    EMPLOYEE,
    EMPLOYEE_EN,
    FIN_AGENT,
    GA_AGENT,
    HR_AGENT,
    IT_AGENT,
    LEGAL_AGENT,
    MANAGER,
    TRIAGE,
    audit_actions,
    buttons,
    card,
    click,
    desk_fixture,  # noqa: F401 - the `desk` fixture
    dm_with,
    dms,
    everything,
    fill_modal,
    modal,
    open_home,
    request,
    text_block,
    thread,
    ticket,
    tickets,
)

GA = TRIAGE["general_affairs"]
ROOM = {"subject": "会議室の予約", "details": "来週火曜の午後に大会議室を使いたいです"}


def ga_inquiry(bot, user=EMPLOYEE):  # type: ignore[no-untyped-def]
    return request(bot, user, "inquiry", {**ROOM, "department": "general_affairs"})


def test_the_requester_gets_a_receipt_and_the_desk_gets_a_card(desk):
    t = ga_inquiry(desk)

    receipt = dm_with(desk, EMPLOYEE, "受付番号 GA-0001")
    assert "会議室の予約" in everything(receipt) and "受付済み" in everything(receipt)
    assert "今後の流れ" in everything(receipt) and "「総務」が確認します" in everything(receipt)
    assert list(buttons(receipt)) == [TicketAction.WITHDRAW]

    posted = card(desk, "general_affairs", t.number)
    assert "<@UEMPLOYEE1>" in everything(posted) and "来週火曜の午後に大会議室を使いたいです" in everything(posted)
    assert list(buttons(posted)) == [TicketAction.CLAIM, TicketAction.ASSIGN, TicketAction.HOLD,
                                     TicketAction.RESOLVE, TicketAction.REROUTE]


def test_claim_hold_answer_resolve_and_rate(desk):
    t = ga_inquiry(desk)
    posted = card(desk, "general_affairs", t.number)

    # 担当する: the card changes in place, the requester hears who has it.
    click(desk, GA_AGENT, posted, TicketAction.CLAIM, GA)
    claimed = card(desk, "general_affairs", t.number)
    assert claimed["ts"] == posted["ts"] and "対応中" in everything(claimed)
    assert TicketAction.CLAIM not in buttons(claimed)
    assert "担当者が決まりました" in dm_with(desk, EMPLOYEE, "担当者が決まりました")["text"]

    # 保留: a question to the requester; the SLA clock pauses.
    click(desk, GA_AGENT, claimed, TicketAction.HOLD, GA)
    assert modal(desk, GA_AGENT)["title"]["text"] == "保留して質問する"
    fill_modal(desk, GA_AGENT, text_block(TicketBlock.QUESTION, "参加人数を教えてください"))
    held = ticket(desk, t.id)
    assert held.status == "on_hold" and held.sla_paused_at is not None
    question = dm_with(desk, EMPLOYEE, "参加人数を教えてください")
    assert list(buttons(question)) == [TicketAction.ANSWER]
    assert "参加人数を教えてください" in everything(thread(desk, GA, posted["ts"])[-1])
    due_before = held.resolution_due

    # The requester answers; work resumes, the agent is told, the due time moved by the pause.
    click(desk, EMPLOYEE, question, TicketAction.ANSWER, desk.slack.dm_channel(EMPLOYEE))
    assert "参加人数を教えてください" in everything(modal(desk, EMPLOYEE))
    fill_modal(desk, EMPLOYEE, text_block(TicketBlock.ANSWER, "12名です"))
    answered = ticket(desk, t.id)
    assert answered.status == "in_progress" and answered.sla_paused_at is None
    assert answered.resolution_due >= due_before
    assert "12名です" in everything(dm_with(desk, GA_AGENT, "回答がありました"))
    assert buttons(dm_with(desk, EMPLOYEE, "参加人数を教えてください")) == {}  # the answer button is gone
    assert "12名です" in everything(thread(desk, GA, posted["ts"])[-1])

    # 解決: the note reaches the requester with one-click rating buttons.
    click(desk, GA_AGENT, card(desk, "general_affairs", t.number), TicketAction.RESOLVE, GA)
    fill_modal(desk, GA_AGENT, text_block(TicketBlock.NOTE, "大会議室を火曜13時から押さえました"))
    assert ticket(desk, t.id).status == "resolved"
    resolution = dm_with(desk, EMPLOYEE, "大会議室を火曜13時から押さえました")
    assert list(buttons(resolution)) == [f"{TicketAction.RATE}_{n}" for n in range(1, 6)]
    resolved_card = card(desk, "general_affairs", t.number)
    assert "解決" in everything(resolved_card) and "大会議室を火曜13時から押さえました" in everything(resolved_card)

    click(desk, EMPLOYEE, resolution, f"{TicketAction.RATE}_4", desk.slack.dm_channel(EMPLOYEE))
    closed = ticket(desk, t.id)
    assert (closed.status, closed.satisfaction) == ("closed", 4)
    assert buttons(dm_with(desk, EMPLOYEE, "大会議室を火曜13時から押さえました")) == {}
    assert "★★★★☆" in everything(card(desk, "general_affairs", t.number))
    assert audit_actions(desk, t.id) == ["ticket.submitted", "ticket.claimed", "ticket.put_on_hold",
                                         "ticket.answered", "ticket.resolved", "ticket.rated"]


def test_a_second_claim_learns_who_has_it(desk):
    t = ga_inquiry(desk)
    posted = card(desk, "general_affairs", t.number)
    click(desk, GA_AGENT, posted, TicketAction.CLAIM, GA)

    click(desk, ADMIN, posted, TicketAction.CLAIM, GA)  # the stale card still shows 担当する

    assert ticket(desk, t.id).assignee_id == GA_AGENT
    assert "渡辺 翔" in desk.slack.ephemerals(ADMIN)[-1]["text"]


def test_assigning_to_a_colleague_tells_them_and_the_requester(desk):
    t = request(desk, EMPLOYEE, "inquiry", {"subject": "経費の締め日", "details": "今月の経費の締め日はいつですか",
                                            "department": "finance"})
    click(desk, FIN_AGENT, card(desk, "finance", t.number), TicketAction.ASSIGN, TRIAGE["finance"])
    options = [o["value"] for o in modal(desk, FIN_AGENT)["blocks"][1]["element"]["options"]]
    assert options == [FIN_AGENT, "UFINLEAD1"]

    fill_modal(desk, FIN_AGENT, {TicketBlock.ASSIGNEE: ("static_select", "UFINLEAD1")})

    assert (ticket(desk, t.id).status, ticket(desk, t.id).assignee_id) == ("in_progress", "UFINLEAD1")
    assert dm_with(desk, "UFINLEAD1", t.number)
    assert "<@UFINLEAD1>" in dm_with(desk, EMPLOYEE, "担当者が").get("text")


def test_an_outsider_clicking_the_card_is_refused_in_their_language_and_nothing_changes(desk):
    t = ga_inquiry(desk)
    posted = card(desk, "general_affairs", t.number)

    reply = click(desk, EMPLOYEE_EN, posted, TicketAction.CLAIM, GA)
    click(desk, EMPLOYEE_EN, posted, TicketAction.RESOLVE, GA)

    assert reply.status == 200
    refusals = [e["text"] for e in desk.slack.ephemerals(EMPLOYEE_EN)]
    assert refusals == ["Only members of the department handling this can do that."] * 2
    assert ticket(desk, t.id).status == "submitted" and ticket(desk, t.id).assignee_id is None
    assert desk.slack.modal_stack(EMPLOYEE_EN) == []  # refused at the click, before any form
    assert audit_actions(desk, t.id) == ["ticket.submitted"]


def test_re_routing_moves_the_card_to_the_right_desk_with_the_reason(desk):
    t = request(desk, EMPLOYEE, "inquiry", {"subject": "住所変更", "details": "引っ越したので住所変更をしたい",
                                            "department": "finance"})
    old = card(desk, "finance", t.number)
    click(desk, FIN_AGENT, old, TicketAction.CLAIM, TRIAGE["finance"])

    click(desk, FIN_AGENT, card(desk, "finance", t.number), TicketAction.REROUTE, TRIAGE["finance"])
    missing = fill_modal(desk, FIN_AGENT, {TicketBlock.DEPARTMENT: ("static_select", "hr")})
    assert missing.body == {"response_action": "errors", "errors": {TicketBlock.REASON: "入力してください。"}}
    fill_modal(desk, FIN_AGENT, {TicketBlock.DEPARTMENT: ("static_select", "hr"),
                                 TicketBlock.REASON: ("plain_text_input", "住所変更は人事の担当です")})

    moved = ticket(desk, t.id)
    assert (moved.department, moved.status, moved.assignee_id, moved.number) == ("hr", "submitted", None, t.number)
    old_now = card(desk, "finance", t.number)
    assert old_now["ts"] == old["ts"] and buttons(old_now) == {}
    assert "人事・労務" in everything(old_now) and "住所変更は人事の担当です" in everything(old_now)
    new = card(desk, "hr", t.number)
    assert TicketAction.CLAIM in buttons(new)
    assert "住所変更は人事の担当です" in dm_with(desk, EMPLOYEE, "担当部署が")["text"]

    click(desk, FIN_AGENT, new, TicketAction.CLAIM, TRIAGE["hr"])  # no longer their desk
    assert ticket(desk, t.id).assignee_id is None
    click(desk, HR_AGENT, new, TicketAction.CLAIM, TRIAGE["hr"])
    assert ticket(desk, t.id).assignee_id == HR_AGENT
    assert audit_actions(desk, t.id)[-2:] == ["ticket.rerouted", "ticket.claimed"]


def test_the_requester_withdraws_and_the_desk_sees_it(desk):
    t = ga_inquiry(desk)
    click(desk, GA_AGENT, card(desk, "general_affairs", t.number), TicketAction.CLAIM, GA)
    receipt = dm_with(desk, EMPLOYEE, "受付番号 GA-0001")

    click(desk, EMPLOYEE, receipt, TicketAction.WITHDRAW, desk.slack.dm_channel(EMPLOYEE))

    assert ticket(desk, t.id).status == "withdrawn" and ticket(desk, t.id).closed_at is not None
    withdrawn_card = card(desk, "general_affairs", t.number)
    assert buttons(withdrawn_card) == {} and "取り下げ" in everything(withdrawn_card)
    assert buttons(dm_with(desk, EMPLOYEE, "受付番号 GA-0001")) == {}
    assert dm_with(desk, GA_AGENT, "取り下げ")

    click(desk, GA_AGENT, card(desk, "general_affairs", t.number) | {"blocks": receipt["blocks"]},
          TicketAction.WITHDRAW, GA)  # only the requester may withdraw (and it is already withdrawn)
    assert "申請者本人" in desk.slack.ephemerals(GA_AGENT)[-1]["text"]


def test_only_the_requester_can_withdraw(desk):
    t = ga_inquiry(desk)
    receipt = dm_with(desk, EMPLOYEE, "受付番号 GA-0001")

    click(desk, GA_AGENT, receipt, TicketAction.WITHDRAW, desk.slack.dm_channel(GA_AGENT))

    assert ticket(desk, t.id).status == "submitted"
    # Told where they clicked (an ephemeral in that DM), not with a new DM.
    [refusal] = desk.slack.ephemerals(GA_AGENT)
    assert "申請者本人" in refusal["text"] and refusal["channel"] == desk.slack.dm_channel(GA_AGENT)
    assert not any("申請者本人" in m.get("text", "") for m in dms(desk, GA_AGENT))


SECRET = "上司の田中さんから毎日のように大声で叱責されています"


def test_a_confidential_request_leaks_nothing_to_the_channel(desk):
    t = request(desk, EMPLOYEE, "compliance", {"category": "power", "details": SECRET, "contact": "meeting"})
    assert (t.department, t.confidential) == ("legal", True)

    posted = card(desk, "legal", t.number)
    assert "機密扱いの申請が届きました" in everything(posted)
    assert TicketAction.DETAILS in buttons(posted)

    # The desk works it: claim, ask, answer, resolve — nothing of it reaches the channel.
    click(desk, LEGAL_AGENT, posted, TicketAction.CLAIM, TRIAGE["legal"])
    click(desk, LEGAL_AGENT, card(desk, "legal", t.number), TicketAction.HOLD, TRIAGE["legal"])
    fill_modal(desk, LEGAL_AGENT, text_block(TicketBlock.QUESTION, "面談の候補日を教えてください"))
    question = dm_with(desk, EMPLOYEE, "面談の候補日を教えてください")
    click(desk, EMPLOYEE, question, TicketAction.ANSWER, desk.slack.dm_channel(EMPLOYEE))
    fill_modal(desk, EMPLOYEE, text_block(TicketBlock.ANSWER, "来週の水曜午後が空いています"))
    click(desk, LEGAL_AGENT, card(desk, "legal", t.number), TicketAction.RESOLVE, TRIAGE["legal"])
    fill_modal(desk, LEGAL_AGENT, text_block(TicketBlock.NOTE, "面談を実施し、人事と連携して対応しました"))

    channel = str(desk.slack.messages(TRIAGE["legal"]))
    for words in (SECRET, "パワーハラスメント", "面談の候補日", "来週の水曜午後", "人事と連携", "UEMPLOYEE1", "山田"):
        assert words not in channel, words
    assert ticket(desk, t.id).status == "resolved"


@pytest.mark.parametrize("who", [EMPLOYEE, LEGAL_AGENT, ADMIN])
def test_confidential_details_open_for_the_requester_the_department_and_admins(desk, who):
    t = request(desk, EMPLOYEE, "compliance", {"category": "power", "details": SECRET, "contact": "slack"})

    click(desk, who, card(desk, "legal", t.number), TicketAction.DETAILS, TRIAGE["legal"])

    assert SECRET in everything(modal(desk, who))


@pytest.mark.parametrize(("who", "refusal"), [
    (FIN_AGENT, "この申請は機密扱いのため"),
    (EMPLOYEE_EN, "This request is confidential"),
])
def test_anyone_else_is_politely_refused_the_details(desk, who, refusal):
    t = request(desk, EMPLOYEE, "compliance", {"category": "power", "details": SECRET, "contact": "slack"})

    click(desk, who, card(desk, "legal", t.number), TicketAction.DETAILS, TRIAGE["legal"])

    assert desk.slack.modal_stack(who) == []
    assert desk.slack.ephemerals(who)[-1]["text"].startswith(refusal)
    assert SECRET not in str(desk.slack.ephemerals(who))


ONBOARDING = {"kind": "onboarding", "person_name": "鈴木 次郎", "employment": "regular", "team": "営業部",
              "systems": ["google", "slack", "vpn"], "pc": "new_laptop"}


def test_onboarding_opens_its_linked_it_ticket(desk):
    start = (datetime.now(ZoneInfo("Asia/Tokyo")).date() + timedelta(days=14)).isoformat()
    hr = request(desk, EMPLOYEE, "onboarding", {**ONBOARDING, "effective_on": start})

    it = next(t for t in tickets(desk) if t.department == "it")
    assert (hr.number, it.number, it.parent_id, it.request_type) == ("HR-0001", "IT-0001", hr.id, "account")
    assert it.fields["action"] == "create" and it.fields["systems"] == ["google", "slack", "vpn"]
    assert it.fields["needed_on"] == start and it.fields["target_name"] == "鈴木 次郎（営業部）"
    assert "元の申請: HR-0001" in everything(card(desk, "it", "IT-0001"))
    assert "IT-0001" in everything(card(desk, "hr", "HR-0001"))
    assert "IT-0001" in everything(dm_with(desk, EMPLOYEE, "受付番号 HR-0001"))
    assert it.requester_id == EMPLOYEE


def test_onboarding_with_the_managers_approval_opens_the_it_ticket_after_approval(bot):
    start = (datetime.now(ZoneInfo("Asia/Tokyo")).date() + timedelta(days=14)).isoformat()
    hr = request(bot, EMPLOYEE, "onboarding", {**ONBOARDING, "kind": "offboarding", "effective_on": start})
    assert hr.status == "pending_approval"
    assert [t.number for t in tickets(bot)] == ["HR-0001"] and bot.slack.messages(TRIAGE["hr"]) == []

    ask = next(m for m in dms(bot, MANAGER) if ApprovalAction.APPROVE in buttons(m))
    click(bot, MANAGER, ask, ApprovalAction.APPROVE, bot.slack.dm_channel(MANAGER))

    assert ticket(bot, hr.id).status == "approved"
    it = next(t for t in tickets(bot) if t.department == "it")
    assert it.fields["action"] == "remove"
    assert card(bot, "hr", "HR-0001") and card(bot, "it", it.number)
    assert it.number in dm_with(bot, EMPLOYEE, "起票しました")["text"]
    click(bot, IT_AGENT, card(bot, "it", it.number), TicketAction.CLAIM, TRIAGE["it"])
    assert ticket(bot, it.id).assignee_id == IT_AGENT


def test_withdrawing_while_pending_approval_cancels_the_open_steps(bot):
    t = request(bot, EMPLOYEE, "expense", {"category": "meeting", "amount": 8000,
                                           "spent_on": datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat(),
                                           "purpose": "打ち合わせ", "receipt_url": "https://drive.example.com/r/1"})
    assert t.status == "pending_approval"

    click(bot, EMPLOYEE, dm_with(bot, EMPLOYEE, "受付番号"), TicketAction.WITHDRAW, bot.slack.dm_channel(EMPLOYEE))

    assert ticket(bot, t.id).status == "withdrawn"
    from sqlalchemy import select

    from models import ApprovalStep

    with bot.services.session_factory() as session:
        assert set(session.scalars(select(ApprovalStep.status).where(ApprovalStep.ticket_id == t.id))) == {"cancelled"}
    assert bot.slack.messages(TRIAGE["finance"]) == []


def test_app_home_lists_my_requests_and_the_agents_queue(desk):
    open_home(desk, EMPLOYEE)  # the employee has looked at Home before: it follows their requests
    t = ga_inquiry(desk)

    assert "あなたの申請" in everything(desk.slack.home_view(EMPLOYEE)) and t.number in everything(
        desk.slack.home_view(EMPLOYEE))
    assert desk.slack.home_view(GA_AGENT) is None  # never opened: nothing published to it
    queue = open_home(desk, GA_AGENT)
    assert "担当部署の受付" in queue and "未対応: 1件" in queue and t.number in queue
    assert "担当部署の受付" not in everything(desk.slack.home_view(EMPLOYEE))


def test_slack_not_answering_a_form_is_told_plainly_and_logged_in_one_line(desk, caplog):
    """Seen in the month soak: a views.open that Slack did not answer ended as an 'unhandled error' with a
    traceback in the log. Slack failing to answer is expected: one warning line, and the agent hears why."""
    import logging

    caplog.set_level(logging.INFO)
    t = ga_inquiry(desk)
    click(desk, GA_AGENT, card(desk, "general_affairs", t.number), TicketAction.CLAIM, GA)
    claimed = card(desk, "general_affairs", t.number)
    desk.slack.fail("views.open", "drop", times=2)  # slack_sdk tries a dropped call once more

    reply = click(desk, GA_AGENT, claimed, TicketAction.HOLD, GA)

    assert reply.status == 200
    assert [e["text"] for e in desk.slack.ephemerals(GA_AGENT)] == [
        "Slack から応答がなかったため、この操作は完了していません。もう一度お試しください。"]
    assert ticket(desk, t.id).status == "in_progress" and desk.slack.modal_stack(GA_AGENT) == []
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert [r.getMessage() for r in caplog.records if r.name == "handlers.errors"] == [
        "Slack did not answer (RemoteDisconnected) for block_actions"]


def test_a_form_that_opened_too_late_asks_for_another_click(desk, caplog):
    """Seen in the month soak: a click whose work outlasted the trigger's 3 seconds got expired_trigger_id
    from views.open, logged as an 'unhandled error' with a traceback."""
    import logging

    caplog.set_level(logging.INFO)
    t = ga_inquiry(desk)
    click(desk, GA_AGENT, card(desk, "general_affairs", t.number), TicketAction.CLAIM, GA)
    claimed = card(desk, "general_affairs", t.number)
    desk.slack.fail("views.open", "ok_false", error="expired_trigger_id")

    click(desk, GA_AGENT, claimed, TicketAction.HOLD, GA)

    assert [e["text"] for e in desk.slack.ephemerals(GA_AGENT)] == [
        "時間がかかったため画面を開けませんでした。もう一度ボタンを押してください。"]
    assert ticket(desk, t.id).status == "in_progress" and desk.slack.modal_stack(GA_AGENT) == []
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert [r.getMessage() for r in caplog.records if r.name == "handlers.errors"] == [
        "a form opened too late (expired_trigger_id) for block_actions"]
