"""Sentence vectors of FAQ texts in the database: written with the entries, read by index builds."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

import faq.embed as embed
from bot.clock import ManualClock
from bot.config import load_workspace
from bot.faqdesk import kb
from bot.faqdesk.index import FaqIndex
from bot.settings import BUNDLED_CONFIG
from faq.engine import FaqDoc, embedded_texts
from models import FaqTextVector
from models.db import make_session_factory

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
CONFIG = load_workspace(BUNDLED_CONFIG)


def _vector_count(factory) -> int:  # type: ignore[no-untyped-def]
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(FaqTextVector)) or 0)


def test_writing_entries_stores_their_vectors_and_a_cold_build_only_reads_them(clean_engine, monkeypatch):
    factory = make_session_factory(clean_engine)
    index = FaqIndex(factory, CONFIG, clock_now=ManualClock(NOW).now, check_every=0.0)
    index.warm()  # seeds the bundled KB through kb.upsert
    with factory() as session:
        seeded = embedded_texts(kb.docs(session))
    assert len(seeded) > 100
    assert _vector_count(factory) == len(seeded)

    with factory() as session, session.begin():
        kb.upsert(session, [FaqDoc(id="ga-visitor-parking", question="来客用駐車場の予約", department="general_affairs",
                                   question_en="How do I book a visitor parking space?",
                                   variants_en=("reserve a car park slot for a guest",))], source="import", now=NOW)
    assert _vector_count(factory) == len(seeded) + 2

    # A new process: nothing in memory, the build reads every vector and encodes none.
    monkeypatch.setattr(embed, "_VECTOR_CACHE", {})
    fresh = FaqIndex(factory, CONFIG, clock_now=ManualClock(NOW).now)
    engine = fresh.engine()
    stats = engine.ranker.embedder.last
    assert (stats.cached, stats.loaded, stats.computed) == (0, len(seeded) + 2, 0)
    assert fresh.ask("where can my guest leave their car").matches[0].id == "ga-visitor-parking"


def test_a_build_encodes_and_saves_vectors_that_are_missing(clean_engine, monkeypatch):
    factory = make_session_factory(clean_engine)
    FaqIndex(factory, CONFIG, clock_now=ManualClock(NOW).now).warm()
    with factory() as session, session.begin():
        session.execute(FaqTextVector.__table__.delete())  # e.g. a KB written before the table existed
    monkeypatch.setattr(embed, "_VECTOR_CACHE", {})
    engine = FaqIndex(factory, CONFIG, clock_now=ManualClock(NOW).now).engine()
    assert engine.ranker.embedder.last.loaded == 0
    assert engine.ranker.embedder.last.computed == _vector_count(factory) > 100

