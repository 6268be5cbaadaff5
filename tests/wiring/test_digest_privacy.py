"""The weekly digest's 「解決できなかった質問」 in a channel everyone reads (issue #12, item 5).

A question sent once in a DM — a harassment matter, say — must never be printed there. The digest lists
a question only when `digest.unanswered_min_askers` (default 3) different people asked it, and never one
that a confidential request type covers, however often it was asked. Checked on what the fake Slack's
digest channel receives."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.digest.post import post_if_due
from bot.faqdesk import asking
from models import FaqQuery, Ticket
from tests.harness import start_bot
from tests.service.digest_fixtures import POSTED_AT
from tests.service.reminders_fixtures import jst

DIGEST = "CDIGEST01"
ASKED_AT = jst(2026, 11, 25, 10)  # Wednesday of the week the digest of Monday 11-30 reports
PEOPLE = ["UEMPLOYEE1", "UEMPLOYEE2", "UMANAGER1", "UFINLEAD1", "UHRAGENT1"]


@pytest.fixture
def bot(clean_engine):
    running = start_bot(clean_engine, clock=ManualClock(ASKED_AT))
    try:
        yield running
    finally:
        running.stop()


def asked(bot, text: str, *, user: str, outcome: str = "no_answer", ticket_id: int | None = None) -> None:
    """A question logged as the FAQ logs one asked in the asker's DM, left unanswered."""
    with bot.services.session_factory() as session, session.begin():
        session.add(FaqQuery(user_id=user, text=text, channel=f"D{user[1:]}", tier="none", outcome=outcome,
                             asked_at=ASKED_AT, decided_at=ASKED_AT, ticket_id=ticket_id))


def digest_channel_text(bot) -> str:
    assert post_if_due(bot.services, POSTED_AT) == f"2026-W49: posted to {DIGEST}"
    bot.deliver()
    (post,) = [m for m in bot.slack.messages(DIGEST) if "週次ダイジェスト" in m.get("text", "")]
    return str(post)


def test_a_harassment_question_sent_once_in_a_dm_never_reaches_the_digest_channel(bot):
    harassment = "上司から毎日怒鳴られていて、パワハラではないかと悩んでいます。誰に相談すればいいですか"
    lunch = "社員食堂の今週のメニューはどこで見られますか"
    for text in (harassment, lunch):
        assert bot.dm("UEMPLOYEE1", text).status == 200
    bot.deliver()
    with bot.services.session_factory() as session, session.begin():
        # whatever the FAQ offered, the asker says it did not help: both stay unanswered
        for query in session.scalars(select(FaqQuery).where(FaqQuery.outcome.is_(None))):
            asking.record_outcome(session, query.id, user=query.user_id, outcome=asking.NOT_HELPED, now=ASKED_AT)
        logged = {q.text: (q.channel, q.outcome) for q in session.scalars(select(FaqQuery))}
    assert {text for text, (channel, _) in logged.items() if channel.startswith("D")} == {harassment, lunch}

    posted = digest_channel_text(bot)

    for fragment in ("パワハラ", "怒鳴られて", "上司から", "社員食堂", "メニュー"):
        assert fragment not in posted
    assert "ほか 2 件" in posted  # counted, never shown


def test_a_question_is_listed_once_three_different_people_asked_it_not_two(bot):
    for user, text in zip(PEOPLE, ["経費の締め日は？", "経費の締め日は?", "経費の 締め日は"], strict=False):
        asked(bot, text, user=user)  # three people, three near-identical phrasings: one question
    for user in PEOPLE[:2]:
        asked(bot, "名刺の発注方法を教えて", user=user)  # two people
    for _ in range(4):
        asked(bot, "社用車の予約はどこから", user=PEOPLE[0])  # one person, four times

    posted = digest_channel_text(bot)

    assert "解決できなかった質問" in posted
    (listed,) = [line for line in posted.split("\\n") if "（3人）" in line]
    assert listed.startswith("• 経費の") and "締め日は" in listed  # one of its phrasings, with 3 askers
    assert "名刺" not in posted and "社用車" not in posted
    assert "ほか 6 件" in posted


def test_a_question_a_confidential_type_covers_is_never_listed_however_often_asked(bot):
    for user in PEOPLE:
        asked(bot, "セクハラを受けたときの相談先は？", user=user)  # the type's own keywords
    with bot.services.session_factory() as session, session.begin():
        ticket = Ticket(number="LEG-0001", department="legal", seq=1, request_type="compliance", title="相談",
                        fields={}, requester_id=PEOPLE[0], status="submitted", confidential=True,
                        created_at=ASKED_AT, updated_at=ASKED_AT)
        session.add(ticket)
        session.flush()
        ticket_id = ticket.id
    for user in PEOPLE:  # no keyword at all, but it became a confidential ticket
        asked(bot, "部署の飲み会で困っていることがあります", user=user, outcome="escalated",
              ticket_id=ticket_id if user == PEOPLE[0] else None)

    posted = digest_channel_text(bot)

    assert "セクハラ" not in posted and "飲み会" not in posted
    assert "ほか 10 件" in posted


def test_the_minimum_number_of_askers_comes_from_the_config(clean_engine):
    from tests.service.approvals_fixtures import approval_config

    base = approval_config()
    config = base.model_copy(update={"digest": base.digest.model_copy(update={"unanswered_min_askers": 2})})
    running = start_bot(clean_engine, config=config, clock=ManualClock(ASKED_AT))
    try:
        for user in PEOPLE[:2]:
            asked(running, "名刺の発注方法を教えて", user=user)
        assert "名刺の発注方法を教えて（2人）" in digest_channel_text(running)
    finally:
        running.stop()
