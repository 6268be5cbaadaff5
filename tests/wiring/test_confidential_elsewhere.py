"""A confidential consultation leaks nowhere outside the people allowed to read it — not only on the
triage card (tests/wiring/test_triage_desk.py) but in every other place the bot speaks: the agents'
App Home, the triage channel's overdue pings, the weekly digest, and the logs."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.digest.post import render
from bot.reminders.jobs import run_reminders
from bot.slack_ids import TicketAction, TicketBlock
from tests.wiring.intake_steps import (
    EMPLOYEE,
    LEGAL_AGENT,
    TRIAGE,
    card,
    click,
    clock_fixture,  # noqa: F401 - the `clock` fixture
    clocked_desk_fixture,  # noqa: F401 - the `desk` fixture, on that clock
    everything,
    fill_modal,
    open_home,
    request,
    text_block,
    ticket,
)

TOKYO = ZoneInfo("Asia/Tokyo")
LEGAL = TRIAGE["legal"]
SECRET = "経理部の課長から飲み会のたびに私的な連絡先を執拗に聞かれています"
WHEN_WHERE = "11月の部署懇親会（新橋）"
# What would identify the matter or the person in a channel: the story, its topic, the requester.
REVEALING = (SECRET, WHEN_WHERE, "セクシュアルハラスメント", "UEMPLOYEE1", "山田")


def consultation(bot):  # type: ignore[no-untyped-def]
    return request(bot, EMPLOYEE, "compliance", {"category": "sexual", "details": SECRET, "when_where": WHEN_WHERE,
                                                 "contact": "meeting"})


def test_the_agents_home_lists_it_locked_and_the_requesters_home_in_full(desk, clock):
    t = consultation(desk)

    queue = open_home(desk, LEGAL_AGENT)
    assert t.number in queue and ":lock: 機密扱い" in queue
    for words in REVEALING:
        assert words not in queue, words
    assert "セクシュアルハラスメント" in open_home(desk, EMPLOYEE)  # their own request, in their own Home


def test_the_overdue_ping_in_the_triage_channel_names_only_the_number(desk, clock):
    t = consultation(desk)  # Monday 10:00; first response due within 4 business hours

    clock.set(datetime(2026, 12, 7, 15, 0, tzinfo=TOKYO))
    run_reminders(desk.services)
    desk.deliver()

    pings = [m for m in desk.slack.messages(LEGAL) if "初回対応" in m.get("text", "")]
    assert len(pings) == 1 and t.number in everything(pings[0])
    channel = everything({"blocks": desk.slack.messages(LEGAL)})
    for words in REVEALING:
        assert words not in channel, words


def test_the_weekly_digest_counts_it_without_its_content(desk, clock):
    t = consultation(desk)
    click(desk, LEGAL_AGENT, card(desk, "legal", t.number), TicketAction.CLAIM, LEGAL)
    click(desk, LEGAL_AGENT, card(desk, "legal", t.number), TicketAction.RESOLVE, LEGAL)
    fill_modal(desk, LEGAL_AGENT, text_block(TicketBlock.NOTE, "面談を実施し、加害者側の上長と人事に共有しました"))

    clock.set(datetime(2026, 12, 14, 9, 0, tzinfo=TOKYO))  # the next Monday's digest
    with desk.services.session_factory() as session:
        digest = render(session, desk.services, desk.services.clock.now())

    shown = digest.text + str(digest.blocks)
    assert "法務" in shown  # the legal desk's numbers are there…
    for words in (*REVEALING, "加害者側の上長", t.number):  # …nothing of the matter
        assert words not in shown, words


def test_nothing_of_it_reaches_the_logs(desk, clock, caplog):
    caplog.set_level(logging.INFO)
    t = consultation(desk)
    click(desk, LEGAL_AGENT, card(desk, "legal", t.number), TicketAction.CLAIM, LEGAL)
    click(desk, LEGAL_AGENT, card(desk, "legal", t.number), TicketAction.HOLD, LEGAL)
    fill_modal(desk, LEGAL_AGENT, text_block(TicketBlock.QUESTION, "面談の候補日を教えてください"))

    assert ticket(desk, t.id).status == "on_hold"
    for words in (SECRET, WHEN_WHERE, "面談の候補日"):
        assert words not in caplog.text, words
