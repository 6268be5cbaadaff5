"""The FAQ desk against a real database: seeding, two replicas noticing a KB change, the query log
and the numbers the digest reports."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from bot.clock import ManualClock
from bot.config import load_workspace
from bot.errors import NotAuthorized
from bot.faqdesk import asking, kb, stats
from bot.faqdesk.index import FaqIndex
from bot.settings import BUNDLED_CONFIG
from faq.engine import FaqDoc
from models.db import make_session_factory

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
CONFIG = load_workspace(BUNDLED_CONFIG)


def replica(engine: Engine, check_every: float = 0.0) -> FaqIndex:
    return FaqIndex(make_session_factory(engine), CONFIG, clock_now=ManualClock(NOW).now, check_every=check_every)


def test_first_start_seeds_the_bundled_knowledge_base_once(clean_engine):
    first, second = replica(clean_engine), replica(clean_engine)
    first.warm()
    second.warm()

    with make_session_factory(clean_engine)() as session:
        assert len(kb.docs(session)) >= 60
        assert kb.current_revision(session) == 1


def test_a_change_made_on_one_replica_is_seen_by_the_other(clean_engine):
    writer, reader = replica(clean_engine), replica(clean_engine, check_every=0.05)
    writer.warm()
    reader.warm()
    assert reader.ask("社内の卓球大会の申し込み方法").tier == "none"

    with make_session_factory(clean_engine)() as session, session.begin():
        pingpong = FaqDoc(id="ga-pingpong", question="社内卓球大会に申し込みたい", department="general_affairs",
                          answer="総務のポータルから申し込めます。", variants=("卓球大会の申し込み方法",))
        kb.upsert(session, [pingpong], source="import", now=NOW)
    time.sleep(0.06)

    answer = reader.ask("社内の卓球大会の申し込み方法")
    assert answer.matches[0].id == "ga-pingpong"
    assert answer.tier in ("answer", "suggest")


@pytest.mark.parametrize(
    ("question", "tier", "entry"),
    [
        ("有給の残りを知りたい", "answer", "hr-paid-leave-balance"),
        ("VPNに繋がらない", "answer", "it-vpn"),
        ("I lost my receipt", "answer", "fin-lost-receipt"),
        ("火星の天気はどうですか", "none", None),
    ],
)
def test_questions_are_answered_by_tier(clean_engine, question, tier, entry):
    index = replica(clean_engine)
    answer = index.ask(question)
    assert answer.tier == tier
    if entry:
        assert answer.matches[0].id == entry


def test_every_question_is_logged_with_matches_and_its_outcome(clean_engine):
    index = replica(clean_engine)
    factory = make_session_factory(clean_engine)
    with factory() as session, session.begin():
        helped = asking.ask(session, index, user="UEMPLOYEE1", text="給与明細はどこ", locale="ja", now=NOW)
        unanswered = asking.ask(session, index, user="UEMPLOYEE1", text="火星の天気はどうですか", locale="ja", now=NOW)
        asking.record_outcome(session, helped.query.id, user="UEMPLOYEE1", outcome=asking.HELPED, now=NOW)

    assert helped.query.matches[0]["id"] == helped.answer.matches[0].id
    assert helped.query.top_score == helped.answer.matches[0].score
    assert unanswered.query.outcome == asking.NO_ANSWER


def test_only_the_asker_rates_an_answer(clean_engine):
    index = replica(clean_engine)
    with make_session_factory(clean_engine)() as session, session.begin():
        asked = asking.ask(session, index, user="UEMPLOYEE1", text="VPNに繋がらない", locale="ja", now=NOW)
        with pytest.raises(NotAuthorized):
            asking.record_outcome(session, asked.query.id, user="UEMPLOYEE2", outcome=asking.HELPED, now=NOW)


def test_self_resolution_rate_and_top_unanswered_for_a_week(clean_engine):
    index = replica(clean_engine)
    week = (NOW - timedelta(days=3), NOW + timedelta(days=4))
    with make_session_factory(clean_engine)() as session, session.begin():
        outcomes = [("給与明細はどこで見られますか", asking.HELPED), ("VPNに繋がらない", asking.HELPED),
                    ("経費の締め日", asking.NOT_HELPED), ("社食のメニュー", None), ("社食のメニュー", None)]
        for text, outcome in outcomes:
            asked = asking.ask(session, index, user="UEMPLOYEE1", text=text, locale="ja", now=NOW)
            if outcome:
                asking.record_outcome(session, asked.query.id, user="UEMPLOYEE1", outcome=outcome, now=NOW)
        asking.ask(session, index, user="UEMPLOYEE1", text="先月の質問", locale="ja", now=NOW - timedelta(days=30))

        numbers = stats.numbers(session, *week)
        backlog = stats.top_unanswered(session, *week)

    assert numbers.asked == 5
    assert numbers.helped == 2
    assert numbers.self_resolution_rate == pytest.approx(0.4)
    assert backlog[0][1] >= 1
    assert ("経費の締め日", 1) in backlog
