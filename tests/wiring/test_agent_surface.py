"""The bot's DM as Slack's agent container: a new thread offers the questions the person's department asks
most, 申請する and 自分の申請の状況; a question in the thread shows a status until its answer lands there;
the two phrases are answered by the desk, not the FAQ. All over signed HTTP, against the fake Slack."""

from __future__ import annotations

from sqlalchemy import select

from bot.outbox import DEAD
from bot.slack_ids import Action
from models import FaqEntry, FaqQuery, OutboxMessage
from tests.wiring.intake_steps import request
from tests.wiring.test_faq_flow import buttons, click
from tests.wiring.test_intake_forms import days

YAMADA = "UEMPLOYEE1"  # 総務 (general_affairs), ja
SATO = "UMANAGER1"  # 総務 too
ALEX = "UEMPLOYEE2"  # IT, en
ADMIN = "UADMIN001"

LEAVE = "有給の残り日数ってどこで見られますか？"
VPN = "I can't connect to the VPN"
PAYSLIP = "給与明細はどこで見られますか"


def start_thread(bot, user: str, **kw) -> tuple[str, str]:
    event = bot.slack.user_starts_assistant_thread(user)
    assert bot.requester.event(event, **kw).status == 200
    bot.deliver()
    thread = event["assistant_thread"]
    return thread["channel_id"], thread["thread_ts"]


def say_in_thread(bot, user: str, channel: str, thread_ts: str, text: str) -> dict:
    event = bot.slack.user_says(channel, user, text, thread_ts=thread_ts)
    assert bot.requester.event(event).status == 200
    bot.deliver()
    return event


def replies_in(bot, channel: str, thread_ts: str) -> list[dict]:
    return [m for m in bot.slack.messages(channel) if m.get("thread_ts") == thread_ts and m.get("bot_id")]


def answered_topic(bot, user: str, text: str, times: int) -> None:
    for _ in range(times):
        bot.dm(user, text)
    bot.deliver()


def test_a_new_thread_offers_what_the_department_asks_most_then_the_two_desk_phrases(bot):
    answered_topic(bot, SATO, LEAVE, 2)  # colleagues in 総務
    answered_topic(bot, ADMIN, PAYSLIP, 1)
    answered_topic(bot, ALEX, VPN, 3)  # IT asks more, but is not Yamada's department
    with bot.services.session_factory() as session:
        leave_entry = session.scalars(select(FaqQuery).where(FaqQuery.user_id == SATO)).first().matches[0]["id"]

    channel, thread_ts = start_thread(bot, YAMADA)

    offered = bot.slack.suggested_prompts(channel, thread_ts)
    assert offered is not None and offered["title"] == "よくある質問と手続き"
    prompts = offered["prompts"]
    assert len(prompts) == 4
    assert [p["message"] for p in prompts[2:]] == ["申請する", "自分の申請の状況"]
    first = prompts[0]["message"]
    with bot.services.session_factory() as session:
        assert first == session.get(FaqEntry, leave_entry).question  # the department's most asked, first
    assert "給与明細" in prompts[1]["message"] and "VPN" not in str(prompts)


def test_an_english_speaker_gets_the_prompts_in_english(bot):
    channel, thread_ts = start_thread(bot, ALEX)

    prompts = bot.slack.suggested_prompts(channel, thread_ts)["prompts"]
    assert [p["title"] for p in prompts[2:]] == ["Make a request", "My requests"]


def test_a_question_in_the_thread_shows_a_status_until_its_answer_lands_in_the_thread(bot):
    channel, thread_ts = start_thread(bot, YAMADA)

    say_in_thread(bot, YAMADA, channel, thread_ts, LEAVE)

    assert bot.slack.assistant_statuses(channel, thread_ts) == ["FAQ を探しています…", ""]
    (answer,) = replies_in(bot, channel, thread_ts)
    assert "有給休暇の残日数を確認したい" in str(answer["blocks"])
    assert click(bot, YAMADA, channel, answer, "faq_helped").status == 200


def test_the_request_phrase_offers_the_request_button_and_it_opens_the_picker(bot):
    channel, thread_ts = start_thread(bot, YAMADA)

    say_in_thread(bot, YAMADA, channel, thread_ts, "申請する")

    (offer,) = replies_in(bot, channel, thread_ts)
    assert Action.HOME_NEW_REQUEST in buttons(offer)
    assert bot.slack.assistant_statuses(channel, thread_ts) == []  # no FAQ search, no status
    with bot.services.session_factory() as session:
        assert session.scalar(select(FaqQuery.id).where(FaqQuery.user_id == YAMADA)) is None
    assert click(bot, YAMADA, channel, offer, Action.HOME_NEW_REQUEST).status == 200
    assert len(bot.slack.calls("views.open")) == 1


def test_the_status_phrase_lists_my_open_requests_or_says_there_are_none(bot):
    channel, thread_ts = start_thread(bot, YAMADA)
    say_in_thread(bot, YAMADA, channel, thread_ts, "自分の申請の状況")
    (none,) = replies_in(bot, channel, thread_ts)
    assert none["text"].startswith("いま進行中の申請はありません")

    number = request(bot, YAMADA, "leave", {"kind": "paid_leave", "start_on": days(7)}).number
    say_in_thread(bot, YAMADA, channel, thread_ts, "  自分の申請の状況 ")

    listing = replies_in(bot, channel, thread_ts)[-1]
    assert listing["text"] == "進行中のあなたの申請です。" and number in str(listing["blocks"])


def test_a_retried_thread_start_sets_its_prompts_once(bot):
    event = bot.slack.user_starts_assistant_thread(YAMADA)
    for retry in (None, 1):
        assert bot.requester.event(event, event_id="Ev0THREAD01", retry_num=retry).status == 200
    bot.deliver()

    assert len(bot.slack.calls("assistant.threads.setSuggestedPrompts")) == 1


def test_a_status_slack_refuses_is_dropped_without_an_alert_and_the_answer_still_lands(bot):
    channel, thread_ts = start_thread(bot, YAMADA)
    bot.slack.fail("assistant.threads.setStatus", "ok_false", error="invalid_thread")

    say_in_thread(bot, YAMADA, channel, thread_ts, LEAVE)

    assert len(replies_in(bot, channel, thread_ts)) == 1
    with bot.services.session_factory() as session:
        dead = session.scalars(select(OutboxMessage.method).where(OutboxMessage.status == DEAD)).all()
    assert dead == ["assistant.threads.setStatus"]
    assert bot.slack.messages(bot.slack.dm_channel(ADMIN)) == []  # a decoration failing is nobody's page



def test_looking_at_another_channel_while_the_thread_is_open_costs_no_call_to_slack(bot):
    channel, thread_ts = start_thread(bot, YAMADA)
    before = len(bot.slack.calls())
    changed = {"type": "assistant_thread_context_changed", "event_ts": "2.0", "assistant_thread": {
        "user_id": YAMADA, "context": {"channel_id": "C0HELPDESK", "team_id": "T0001"},
        "channel_id": channel, "thread_ts": thread_ts}}

    assert bot.requester.event(changed).status == 200
    bot.deliver()

    assert bot.slack.calls()[before:] == []  # Bolt's default would store the context in the thread (two calls)
