"""What reminders change besides the reminder itself: the requester's receipt tells the reminder story
("リマインド ×1"); an escalation about a confidential request names only its number (the manager or admin
told may not be allowed to read it); the hold reminder points to the 回答する button, the only way an
answer reaches the desk.

Same org and clock as test_reminders.py: 山田 花子 asks on Tuesday 2026-11-24 10:00 JST, her manager
佐藤 健 approves, due Tuesday 18:00; reminded Wednesday 09:05 and 13:05, escalated to the CFO at 17:05."""

from __future__ import annotations

import pytest

from bot.approvals import flow
from bot.reminders.views import EscalatedStep, escalation_notice, hold_reminder
from bot.slack_ids import TicketAction
from bot.tickets import notify
from models import Ticket
from tests.service.approvals_fixtures import (
    CFO,
    EMPLOYEE,
    MANAGER,
    approval_bot_fixture,  # noqa: F401 - the `bot` fixture
    new_ticket,
)
from tests.service.reminders_fixtures import dms, jst, sweep_at


def submit_with_receipt(bot, *, confidential: bool = False, title: str = "出張旅費の精算") -> int:
    with bot.services.session_factory() as session, session.begin():
        ticket = new_ticket(session)
        ticket.title, ticket.confidential = title, confidential
        assert flow.start_approval(session, bot.services, ticket, ticket.requester_id)
        notify.post_receipt(session, bot.services, ticket)
        ticket_id = ticket.id
    bot.deliver()
    return ticket_id


def receipt_ts(bot, ticket_id: int) -> str:
    with bot.services.session_factory() as session:
        number = session.get(Ticket, ticket_id).number
    posted = [c for c in bot.slack.calls("chat.postMessage")
              if c.params.get("channel") in (EMPLOYEE, bot.slack.dm_channel(EMPLOYEE)) and number in str(c.params)]
    return posted[0].response["ts"]


def receipt_updates(bot, ts: str) -> list[str]:
    return [str(c.params.get("blocks")) for c in bot.slack.calls("chat.update") if c.params.get("ts") == ts]


def test_the_receipt_shows_the_reminder_once_the_approver_is_reminded(bot):
    ticket_id = submit_with_receipt(bot)
    ts = receipt_ts(bot, ticket_id)
    assert not any("リマインド" in update for update in receipt_updates(bot, ts))

    sweep_at(bot, jst(2026, 11, 25, 9, 5))

    assert len(dms(bot, MANAGER, "期限を過ぎています")) == 1
    assert "リマインド ×1" in receipt_updates(bot, ts)[-1]
    assert "リマインド ×1" in str(bot.slack.message(bot.slack.dm_channel(EMPLOYEE), ts)["blocks"])

    sweep_at(bot, jst(2026, 11, 25, 13, 5))
    sweep_at(bot, jst(2026, 11, 25, 17, 5))  # escalated to the CFO
    assert "リマインド ×2、高橋 誠 さんへエスカレーション済み" in receipt_updates(bot, ts)[-1]


def test_an_escalation_about_a_confidential_request_names_only_its_number(bot):
    secret = "部長からのハラスメントについて"
    ticket_id = submit_with_receipt(bot, confidential=True, title=secret)
    for when in (jst(2026, 11, 25, 9, 5), jst(2026, 11, 25, 13, 5), jst(2026, 11, 25, 17, 5)):
        sweep_at(bot, when)

    (notice,) = dms(bot, CFO, "滞留")
    shown = notice["text"] + str(notice["blocks"])
    with bot.services.session_factory() as session:
        number = session.get(Ticket, ticket_id).number
    assert number in shown and "機密の申請" in shown and "佐藤 健" in shown  # whom to nudge stays visible
    assert secret not in shown and "山田" not in shown and "経費精算" not in shown


@pytest.mark.parametrize("locale, label", [("ja", "機密の申請"), ("en", "confidential request")])
def test_the_escalation_notice_words_a_confidential_item_in_both_languages(locale, label):
    plain = EscalatedStep(ticket_number="FIN-0001", type_name="経費精算", title="出張旅費", requester="山田 花子",
                          approvers="佐藤 健", overdue_hours=9, reminders=2)
    secret = EscalatedStep(ticket_number="HR-0002", type_name="ハラスメント相談", title=None, requester="",
                           approvers="佐藤 健", overdue_hours=9, reminders=2, skipped_to="高橋 誠")
    _, blocks = escalation_notice(locale, [plain, secret], day_hours=9)
    shown = str(blocks)
    assert "出張旅費" in shown and "HR-0002" in shown and label in shown and "高橋 誠" in shown
    assert "ハラスメント" not in shown


@pytest.mark.parametrize("locale, button_label, hint", [("ja", "回答する", "「回答する」ボタン"),
                                                        ("en", "Answer", "“Answer” button")])
def test_the_hold_reminder_carries_the_answer_button_and_says_to_use_it(locale, button_label, hint):
    _, blocks = hold_reminder(locale, ticket_id=42, number="FIN-0042", type_name="経費精算", title="領収書",
                              held_hours=16, day_hours=9)
    (button,) = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert (button["action_id"], button["value"], button["text"]["text"]) == (TicketAction.ANSWER, "42", button_label)
    shown = str(blocks)
    assert hint in shown and "スレッドで返信" not in shown and "Reply in the thread" not in shown
