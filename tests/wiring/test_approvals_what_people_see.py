"""What approvers see (issue #14), over signed HTTP against the fake Slack: why a step is theirs in
words, one quiet answer to a click that lost a race (never a new DM), an outsider told whose decision
it is, and a request DM that reads like the requester's receipt."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from bot.approvals import delegation, flow
from bot.approvals.notify import local_time
from bot.forms import display_value
from models import AuditEvent, Ticket
from tests.harness import Bot, start_bot
from tests.service.approvals_fixtures import (
    EMPLOYEE,
    EMPLOYEE_EN,
    FIN_LEAD,
    MANAGER,
    OUTSIDER,
    START,
    approval_config,
    clock,
)
from tests.wiring.approvals_steps import (
    APPROVE,
    DETAILS,
    SEND_BACK,
    approval_message,
    buttons,
    click,
    give_reason,
    steps,
    submit_expense,
    ticket_number,
)

RECEIPT = "https://files.example.co.jp/r/123"


@pytest.fixture
def bots(clean_engine: Engine) -> Iterator[Any]:
    """Start the bot with some people reading English (only one bot per test)."""
    started: list[Bot] = []

    def start(**locales: str) -> Bot:
        bot = start_bot(clean_engine, config=approval_config(), clock=clock(), locales=locales)
        started.append(bot)
        return bot

    yield start
    for bot in started:
        bot.stop()


def contexts(message: dict[str, Any]) -> list[str]:
    return [e.get("text", "") for b in message.get("blocks", []) if b["type"] == "context" for e in b["elements"]]


def everything(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks", []), ensure_ascii=False)


def signed_click(bot: Bot, user: str, message: dict[str, Any], action: str = APPROVE) -> Any:
    """A click as Slack sends it from the bot's DM: channel, message and a response_url (minted by the fake)."""
    channel = bot.slack.dm_channel(user)
    return bot.requester.block_action(
        user_id=user, action_id=action, value=buttons(message)[action], channel_id=channel, message=message,
        response_url=bot.slack.response_url(channel, user, message["ts"]))


# -- 1. why the step is theirs, in words --------------------------------------------------------------
@pytest.mark.parametrize(("locale", "why"), [
    ("ja-JP", "承認ステップ 2/2 · 金額が10万円以上のため経理責任者の承認が必要です"),
    ("en-US", "Approval step 2/2 · Finance lead approval is needed because the amount is ¥100,000 or more."),
])
def test_the_finance_lead_reads_why_the_request_needs_them(bots, locale, why):
    bot = bots(fin_lead=locale)
    submit_expense(bot, EMPLOYEE, 300_000)
    click(bot, MANAGER, approval_message(bot, MANAGER), APPROVE)

    request = approval_message(bot, FIN_LEAD)

    assert why in contexts(request)
    assert "when" not in everything(request) and ">=" not in everything(request)
    first = approval_message(bot, MANAGER)
    assert "承認ステップ 1/2 · 上長の承認が必要です" in contexts(first)


# -- 2. a click that lost the race ----------------------------------------------------------------------
def test_ten_concurrent_clicks_make_one_decision_and_no_new_dm(bots):
    """The manager and their delegate both click 承認 five times at once on their own DM copy: one
    decision; the winner hears nothing more; the other person gets an ephemeral answer in the DM where
    they clicked, naming the request and who decided; nobody gets a new DM about it."""
    bot = bots()
    with bot.services.session_factory() as session, session.begin():
        delegation.create(session, bot.services, delegator=MANAGER, delegate=FIN_LEAD, starts_at=START,
                          ends_at=START + timedelta(days=2), actor=MANAGER)
    ticket = submit_expense(bot, EMPLOYEE, 30_000)
    copies = {MANAGER: approval_message(bot, MANAGER), FIN_LEAD: approval_message(bot, FIN_LEAD)}
    before = {u: len(bot.slack.messages(bot.slack.dm_channel(u))) for u in (MANAGER, FIN_LEAD, EMPLOYEE)}

    barrier = threading.Barrier(10)
    statuses: list[int] = []

    def clicker(user: str) -> None:
        barrier.wait()
        statuses.append(signed_click(bot, user, copies[user]).status)

    threads = [threading.Thread(target=clicker, args=(u,)) for u in [MANAGER, FIN_LEAD] * 5]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    bot.deliver()

    assert statuses == [200] * 10
    with bot.services.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "step.approved")) == 1
    [(status, winner, _)] = steps(bot, ticket)
    loser = FIN_LEAD if winner == MANAGER else MANAGER
    assert status == "approved"
    after = {u: len(bot.slack.messages(bot.slack.dm_channel(u))) for u in (MANAGER, FIN_LEAD, EMPLOYEE)}
    assert after == {MANAGER: before[MANAGER], FIN_LEAD: before[FIN_LEAD], EMPLOYEE: before[EMPLOYEE] + 1}
    assert not any("処理済み" in m.get("text", "") for u in (MANAGER, FIN_LEAD)
                   for m in bot.slack.messages(bot.slack.dm_channel(u)))
    assert bot.slack.ephemerals(winner) == []
    answers = bot.slack.ephemerals(loser)
    assert len(answers) == 5  # one answer per click of theirs
    assert {a["channel"] for a in answers} == {bot.slack.dm_channel(loser)}
    winner_name = "佐藤 健" if winner == MANAGER else "鈴木 一郎（佐藤 健 の代理）"
    when = local_time(bot.services, START, "ja")  # the receipt's date and time format
    assert {a["text"] for a in answers} == {
        f"{ticket_number(bot, ticket)} 経費精算は {winner_name} が {when} に承認済みです。"}
    assert [m for m in bot.outbox() if m.status != "sent"] == []


def test_the_same_persons_repeat_click_is_answered_with_nothing(bots):
    bot = bots()
    submit_expense(bot, EMPLOYEE, 30_000)
    stale = approval_message(bot, MANAGER)  # e.g. the copy still open on their phone
    assert signed_click(bot, MANAGER, stale).status == 200
    bot.deliver()
    dm_before = len(bot.slack.messages(bot.slack.dm_channel(MANAGER)))

    assert signed_click(bot, MANAGER, stale).status == 200
    bot.deliver()

    assert bot.slack.ephemerals(MANAGER) == []
    assert len(bot.slack.messages(bot.slack.dm_channel(MANAGER))) == dm_before


def test_the_delegate_clicking_after_the_manager_learns_who_decided_where_they_clicked(bots):
    bot = bots(fin_lead="en-US")
    with bot.services.session_factory() as session, session.begin():
        delegation.create(session, bot.services, delegator=MANAGER, delegate=FIN_LEAD, starts_at=START,
                          ends_at=START + timedelta(days=2), actor=MANAGER)
    ticket = submit_expense(bot, EMPLOYEE, 30_000)
    late = approval_message(bot, FIN_LEAD)
    signed_click(bot, MANAGER, approval_message(bot, MANAGER))
    bot.deliver()
    dm_before = len(bot.slack.messages(bot.slack.dm_channel(FIN_LEAD)))

    signed_click(bot, FIN_LEAD, late)
    bot.deliver()

    [answer] = bot.slack.ephemerals(FIN_LEAD)
    number = ticket_number(bot, ticket)
    when = local_time(bot.services, START, "en")  # in the reader's language: Tue, Nov 24, 2026, 10:00
    assert answer["text"] == f"{number} Expense claim was already approved by 佐藤 健 ({when})."
    assert answer["channel"] == bot.slack.dm_channel(FIN_LEAD)
    assert len(bot.slack.messages(bot.slack.dm_channel(FIN_LEAD))) == dm_before


@pytest.mark.parametrize(("user", "locale", "expected"), [
    (OUTSIDER, "ja-JP", "{number} 経費精算（山田 花子 さんの申請）を判断できるのは 佐藤 健 さんです。"
                        "あなたはこの申請の承認者ではありません。"),
    (EMPLOYEE_EN, "en-US", "Only 佐藤 健 can decide on {number} Expense claim (山田 花子's request). "
                           "You are not an approver of this request."),
])
def test_an_outsider_is_told_whose_decision_it_is_where_they_clicked(bots, user, locale, expected):
    bot = bots()
    ticket = submit_expense(bot, EMPLOYEE, 30_000)
    request = approval_message(bot, MANAGER)

    click(bot, user, request, APPROVE, channel="CGENERAL")

    number = ticket_number(bot, ticket)
    [answer] = bot.slack.ephemerals(user)
    assert answer["text"] == expected.format(number=number)
    assert answer["channel"] == "CGENERAL"
    assert bot.slack.messages(bot.slack.dm_channel(user)) == []
    assert steps(bot, ticket) == [("pending", None, None)]


# -- 3. the request DM reads like the receipt -------------------------------------------------------------
@pytest.mark.parametrize("locale", ["ja-JP", "en-US"])
def test_the_request_dm_omits_empty_fields_links_the_receipt_once_and_dates_like_the_receipt(bots, locale):
    bot = bots(manager=locale)
    submit_expense(bot, EMPLOYEE, 30_000)  # no invoice number: an optional field left empty
    request = approval_message(bot, MANAGER)
    lang = locale[:2]
    expense = bot.config.request_type("expense")
    receipt_date = display_value(expense, "spent_on", "2026-11-20", lang, bot.config)  # what the receipt shows

    shown = everything(request)
    assert shown.count(RECEIPT) == 1
    assert receipt_date in shown and "2026-11-20" not in shown
    assert "—" not in shown
    assert expense.field("invoice_number").label.get(lang) not in shown

    click(bot, MANAGER, request, DETAILS)
    details = json.dumps(bot.slack.modal_stack(MANAGER)[-1]["blocks"], ensure_ascii=False)
    assert details.count(RECEIPT) == 1 and receipt_date in details and "2026-11-20" not in details
    assert expense.field("invoice_number").label.get(lang) not in details


@pytest.mark.parametrize(("locale", "skipped"), [
    ("ja-JP", "第1回で 佐藤 健 が承認済みのためスキップ"),
    ("en-US", "Skipped: already approved by 佐藤 健 in round 1"),
])
def test_the_history_says_in_words_why_a_resubmitted_requests_first_step_was_skipped(bots, locale, skipped):
    bot = bots(fin_lead=locale)
    ticket = submit_expense(bot, EMPLOYEE, 300_000)
    click(bot, MANAGER, approval_message(bot, MANAGER), APPROVE)
    click(bot, FIN_LEAD, approval_message(bot, FIN_LEAD), SEND_BACK)
    give_reason(bot, FIN_LEAD, "領収書の金額と一致しません", ["amount"])
    with bot.services.session_factory() as session, session.begin():
        row = session.get(Ticket, ticket)
        row.fields = {**row.fields, "amount": 280_000}
        flow.resume_approval(session, bot.services, row, EMPLOYEE, {"amount": {"before": 300_000, "after": 280_000}})
    bot.deliver()

    click(bot, FIN_LEAD, approval_message(bot, FIN_LEAD), DETAILS)

    history = everything(bot.slack.modal_stack(FIN_LEAD)[-1])
    assert skipped in history
    assert "approved in round" not in history and MANAGER not in history
