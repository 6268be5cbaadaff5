"""When answering an event fails unexpectedly, Slack is asked to deliver it again; only its last
retry ends in an apology, so a passing hiccup costs the user nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from handlers import events as event_handlers

YAMADA = "UEMPLOYEE1"


@pytest.fixture
def a_broken_answerer() -> Iterator[None]:
    def broken(**_: object) -> None:
        raise RuntimeError("database went away mid-answer")

    event_handlers.ANSWERERS.insert(0, broken)
    try:
        yield
    finally:
        event_handlers.ANSWERERS.remove(broken)


def test_a_failing_event_is_retried_by_slack_and_only_the_last_retry_apologises(bot, a_broken_answerer):
    event = bot.slack.user_says(bot.slack.dm_channel(YAMADA), YAMADA, "VPNに繋がらない")

    first = bot.requester.event(event, event_id="Ev0FAIL00001")
    second = bot.requester.event(event, event_id="Ev0FAIL00001", retry_num=1)
    last = bot.requester.event(event, event_id="Ev0FAIL00001", retry_num=3)
    bot.deliver()

    assert (first.status, second.status, last.status) == (500, 500, 200)
    (apology,) = [m for m in bot.slack.messages(bot.slack.dm_channel(YAMADA)) if m.get("bot_id")]
    assert "問題が発生しました" in apology["text"]
