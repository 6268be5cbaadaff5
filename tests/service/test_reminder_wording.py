"""How late a reminder says a request is, in words a person trusts: a step a few minutes past its
deadline is "past due", not "1 business hour" late; a whole working day is "1 business day" on the
calendar's own 09:00-18:00 day (9 hours), not "1.1" days of a hard-coded 8-hour day.

Same org and clock as test_reminders.py: 山田 花子 asks on Tuesday 2026-11-24 10:00 JST, her manager
佐藤 健 approves, due Tuesday 18:00."""

from __future__ import annotations

import pytest

from bot.approvals import flow
from bot.forms import title_for
from tests.harness import start_bot
from tests.service.approvals_fixtures import (
    MANAGER,
    approval_bot_fixture,  # noqa: F401 - the `bot` fixture
    approval_config,
    clock,
    new_ticket,
)
from tests.service.reminders_fixtures import dms, jst, submit, sweep_at


def reminder_shown(bot) -> str:
    (reminder,) = dms(bot, MANAGER, "期限を過ぎています")
    return str(reminder["blocks"])


@pytest.mark.parametrize(
    ("when", "says", "never"),
    [
        (jst(2026, 11, 25, 9, 5), "期限を過ぎました", "期限超過 1営業時間"),  # 5 minutes late
        (jst(2026, 11, 25, 11, 40), "期限超過 3営業時間", "期限を過ぎました"),  # 2 h 40 min: rounded
        (jst(2026, 11, 26, 9, 5), "期限超過 1営業日", "1.1営業日"),  # one 9-hour working day and 5 minutes
    ],
)
def test_the_approver_reminder_says_how_late_in_honest_words(bot, when, says, never):
    submit(bot.services)

    sweep_at(bot, when)

    shown = reminder_shown(bot)
    assert says in shown
    assert never not in shown


@pytest.fixture
def english_manager(clean_engine):
    """The same org, with 佐藤 健 (the approver) reading Slack in English."""
    running = start_bot(clean_engine, config=approval_config(), clock=clock(), locales={"manager": "en-US"})
    try:
        yield running
    finally:
        running.stop()


def submit_as_intake_does(services) -> None:
    """A request whose stored title is the one intake writes (the default language, from its values)."""
    with services.session_factory() as session, session.begin():
        ticket = new_ticket(session)
        ticket.title = title_for(services.config.request_type("expense"), ticket.fields, "ja", services.config)
        assert ticket.title == "出張旅費 / ¥30,000 / 大阪出張"
        assert flow.start_approval(session, services, ticket, ticket.requester_id)


def test_an_english_approver_reads_the_request_and_its_reminder_in_english(english_manager):
    bot = english_manager
    submit_as_intake_does(bot.services)
    bot.deliver()

    sweep_at(bot, jst(2026, 11, 25, 9, 5))

    (request, reminder) = [str(m["blocks"]) for m in bot.slack.messages(bot.slack.dm_channel(MANAGER))]
    for shown in (request, reminder):
        assert "Business trip / ¥30,000 / 大阪出張" in shown and "出張旅費" not in shown
    assert "just past due" in reminder
