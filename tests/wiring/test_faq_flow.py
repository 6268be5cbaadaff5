"""Asking the FAQ in Slack, as an employee would: by DM, by @mention, by /helpdesk — and saying
whether it helped."""

from __future__ import annotations

from sqlalchemy import select

from bot.fakeslack import events
from bot.slack_ids import FaqAction
from models import FaqQuery

YAMADA = "UEMPLOYEE1"  # ja
ALEX = "UEMPLOYEE2"  # en


def buttons(message: dict) -> dict[str, str]:
    """action_id → value of every button in a message."""
    return {e["action_id"]: e.get("value", "") for b in message.get("blocks", []) if b["type"] == "actions"
            for e in b["elements"]}


def click(bot, user: str, channel: str, message: dict, action_id: str, value: str | None = None):
    value = value if value is not None else buttons(message)[action_id]
    return bot.requester.block_action(user_id=user, action_id=action_id, value=value, channel_id=channel,
                                      message=message, trigger_id=bot.slack.issue_trigger(user))


def last_message(bot, channel: str) -> dict:
    return bot.slack.messages(channel)[-1]


def queries(bot) -> list[FaqQuery]:
    with bot.services.session_factory() as session:
        return list(session.scalars(select(FaqQuery).order_by(FaqQuery.id)))


def test_a_dm_question_gets_the_answer_and_solved_closes_it(bot):
    dm = bot.slack.dm_channel(YAMADA)

    assert bot.dm(YAMADA, "有給の残り日数ってどこで見られますか？").status == 200
    bot.deliver()

    answer = last_message(bot, dm)
    assert "有給休暇の残日数を確認したい" in str(answer["blocks"])
    assert set(buttons(answer)) == {FaqAction.HELPED, FaqAction.NOT_HELPED}

    assert click(bot, YAMADA, dm, answer, FaqAction.HELPED).status == 200
    bot.deliver()

    updated = bot.slack.message(dm, answer["ts"])
    assert "解決してよかったです" in str(updated["blocks"])
    assert buttons(updated) == {}
    assert queries(bot)[-1].outcome == "helped"


def test_an_english_speaker_gets_the_english_answer(bot):
    dm = bot.slack.dm_channel(ALEX)

    bot.dm(ALEX, "I can't connect to the VPN")
    bot.deliver()

    answer = last_message(bot, dm)
    assert "VPN" in answer["text"]
    assert "Solved" in str(answer["blocks"])


def test_not_solved_offers_to_ask_a_person(bot):
    dm = bot.slack.dm_channel(YAMADA)
    bot.dm(YAMADA, "給与明細はどこで見られますか")
    bot.deliver()
    answer = last_message(bot, dm)

    click(bot, YAMADA, dm, answer, FaqAction.NOT_HELPED)
    bot.deliver()

    updated = bot.slack.message(dm, answer["ts"])
    assert set(buttons(updated)) == {FaqAction.ESCALATE}
    assert queries(bot)[-1].outcome == "not_helped"


def test_a_vague_question_suggests_and_a_suggestion_shows_its_answer(bot):
    dm = bot.slack.dm_channel(YAMADA)
    bot.dm(YAMADA, "有給")
    bot.deliver()
    message = last_message(bot, dm)
    suggestion_values = [e["value"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
                         if e["action_id"] == FaqAction.SUGGESTION]

    if not suggestion_values:  # the engine was sure enough to answer; that is fine too
        assert FaqAction.HELPED in buttons(message)
        return
    assert 1 <= len(suggestion_values) <= 3
    assert FaqAction.ESCALATE in buttons(message)

    click(bot, YAMADA, dm, message, FaqAction.SUGGESTION, suggestion_values[0])
    bot.deliver()

    shown = bot.slack.message(dm, message["ts"])
    assert set(buttons(shown)) == {FaqAction.HELPED, FaqAction.NOT_HELPED}


def test_no_answer_offers_a_person_and_logs_the_gap(bot):
    dm = bot.slack.dm_channel(YAMADA)
    bot.dm(YAMADA, "火星の天気はどうですか")
    bot.deliver()

    assert set(buttons(last_message(bot, dm))) == {FaqAction.ESCALATE}
    assert queries(bot)[-1].outcome == "no_answer"


def test_a_mention_in_a_channel_is_answered_in_its_thread(bot):
    mention = events.app_mention(user=YAMADA, channel="CHELPDESK", text="経費精算の締め日はいつ？")

    bot.requester.event(mention)
    bot.deliver()

    (reply,) = bot.slack.messages("CHELPDESK")
    assert reply["thread_ts"] == mention["ts"]
    assert "経費精算の締め日" in str(reply["blocks"])


def test_a_follow_up_in_a_dm_thread_stays_in_the_thread(bot):
    dm = bot.slack.dm_channel(YAMADA)
    first = bot.slack.user_says(dm, YAMADA, "VPNに繋がらない")
    follow_up = bot.slack.user_says(dm, YAMADA, "パスワードを忘れた", thread_ts=first["ts"])

    bot.requester.event(follow_up)
    bot.deliver()

    assert last_message(bot, dm).get("thread_ts") == first["ts"]


def test_helpdesk_with_a_question_answers_ephemerally(bot):
    reply = bot.command(YAMADA, "名刺を作りたい")

    assert reply.status == 200
    assert reply.body["response_type"] == "ephemeral"
    assert "名刺" in str(reply.body["blocks"])
    assert queries(bot)[-1].text == "名刺を作りたい"


def test_someone_else_cannot_rate_my_answer(bot):
    mention = events.app_mention(user=YAMADA, channel="CHELPDESK", text="VPNに繋がらない")
    bot.requester.event(mention)
    bot.deliver()
    (answer,) = bot.slack.messages("CHELPDESK")

    click(bot, ALEX, "CHELPDESK", answer, FaqAction.HELPED)
    bot.deliver()

    assert queries(bot)[-1].outcome is None
    assert any("Only the person who asked can rate this answer." in e["text"]
               for e in bot.slack.ephemerals(ALEX))


def test_a_retried_dm_is_answered_once(bot):
    event = bot.slack.user_says(bot.slack.dm_channel(YAMADA), YAMADA, "名刺を作りたい")
    bot.requester.event(event, event_id="Ev0DMRETRY1")
    bot.requester.event(event, event_id="Ev0DMRETRY1", retry_num=1)
    bot.deliver()

    assert len(bot.slack.messages(bot.slack.dm_channel(YAMADA))) == 2  # the question and one answer
    assert len(queries(bot)) == 1


def test_the_bot_never_answers_itself(bot):
    dm = bot.slack.dm_channel(YAMADA)
    own = {"type": "message", "channel_type": "im", "channel": dm, "bot_id": "B0MADOGUCHI", "text": "回答です",
           "ts": "1700000001.000100"}
    bot.requester.event(own)
    bot.deliver()

    assert queries(bot) == []
