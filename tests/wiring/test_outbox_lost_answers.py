"""Slack took the post but its answer never came back: over signed HTTP against the fake Slack, a
request's triage card and receipt DM are each in Slack once, and the card the ticket points at is the
one whose buttons work."""

from __future__ import annotations

import time

from sqlalchemy import select

from bot.slack_ids import TicketAction
from models import OutboxMessage, SlackMessageRef
from tests.wiring.intake_steps import (
    EMPLOYEE,
    GA_AGENT,
    TRIAGE,
    buttons,
    card,
    click,
    desk_fixture,  # noqa: F401 - the `desk` fixture
    dms,
    everything,
    request,
)

GA = TRIAGE["general_affairs"]
ROOM = {"subject": "会議室の予約", "details": "来週火曜の午後に大会議室を使いたいです", "department": "general_affairs"}


def deliver_after_settling(bot) -> None:  # type: ignore[no-untyped-def]
    """The outbox waits a moment (RetryPolicy.settle) before looking for a post in doubt."""
    for _ in range(100):
        bot.deliver()
        with bot.services.session_factory() as session:
            if not session.scalars(select(OutboxMessage.id).where(OutboxMessage.status != "sent")).first():
                return
        time.sleep(0.05)


def test_a_card_and_receipt_whose_answers_were_lost_are_posted_once_and_the_card_stays_live(desk):
    desk.slack.fail("chat.postMessage", "drop_after", times=2)  # the receipt DM and the triage card

    t = request(desk, EMPLOYEE, "inquiry", ROOM)
    deliver_after_settling(desk)

    cards = [m for m in desk.slack.messages(GA) if t.number in m.get("text", "")]
    receipts = [m for m in dms(desk, EMPLOYEE) if f"受付番号 {t.number}" in everything(m)]
    assert len(cards) == 1 and len(receipts) == 1
    assert len([c for c in desk.slack.calls("chat.postMessage") if c.fault == "drop_after"]) == 2
    with desk.services.session_factory() as session:
        where = session.get(SlackMessageRef, f"ticket:{t.id}:card")
        assert where is not None and (where.channel, where.ts) == (GA, cards[0]["ts"])
        assert set(session.scalars(select(OutboxMessage.status))) == {"sent"}

    click(desk, GA_AGENT, cards[0], TicketAction.CLAIM, GA)  # the buttons of the one card are live

    claimed = card(desk, "general_affairs", t.number)
    assert claimed["ts"] == cards[0]["ts"] and "対応中" in everything(claimed)
    assert TicketAction.CLAIM not in buttons(claimed)
    assert len([m for m in desk.slack.messages(GA) if t.number in m.get("text", "")]) == 1
