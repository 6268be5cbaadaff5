"""Sentence vectors of FAQ texts in the database: written with the entries, read by index builds."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

import faq.embed as embed
import faq.engine as engine_module
import faq.ranker as ranker
from bot.clock import ManualClock
from bot.config import load_workspace
from bot.faqdesk import kb
from bot.faqdesk.index import FaqIndex, synonyms_for
from bot.settings import BUNDLED_CONFIG
from faq.engine import FaqDoc, FaqEngine, embedded_texts
from faq.normalize import has_japanese
from models import FaqEntry, FaqTextVector, FaqTextWords
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



def test_a_cold_build_reads_the_word_analyses_the_first_build_saved(clean_engine, monkeypatch):
    factory = make_session_factory(clean_engine)
    # The first build of a process saves what it analyses (texts already in the process cache are not
    # written again: that would mean reading the whole store on every rebuild).
    monkeypatch.setattr(ranker, "_WORDS_CACHE", {})
    first = FaqIndex(factory, CONFIG, clock_now=ManualClock(NOW).now)
    first.warm()
    with factory() as session:
        stored = int(session.scalar(select(func.count()).select_from(FaqTextWords)) or 0)
        docs = kb.docs(session)
    assert stored > 100  # every Japanese phrasing and answer head of the bundled KB

    # A new process: empty caches; Sudachi must not be asked about any KB text.
    monkeypatch.setattr(ranker, "_WORDS_CACHE", {})
    analysed: list[str] = []
    real_words = engine_module._SHARED_TOKENIZER.words

    def spy(text: str) -> list[str]:
        analysed.append(text)
        return real_words(text)

    monkeypatch.setattr(engine_module._SHARED_TOKENIZER, "words", spy)
    engine = FaqIndex(factory, CONFIG, clock_now=ManualClock(NOW).now).engine()
    assert [t for t in analysed if has_japanese(t)] == []

    monkeypatch.setattr(ranker, "_WORDS_CACHE", {})
    reference = FaqEngine.build(docs, synonyms=synonyms_for(CONFIG), embedder=None)
    for q in ("有給の残りを知りたい", "VPNに繋がらない", "出張の精算はどうする", "パスワドを忘れた"):
        got = [(c.doc, round(c.score, 6)) for c in engine.candidates(q, k=5)]
        assert got == [(c.doc, round(c.score, 6)) for c in reference.candidates(q, k=5)]


def test_upsert_encodes_before_it_writes(clean_engine, monkeypatch):
    # The model runs before the transaction's first write: a large import must not hold SQLite's write lock
    # for the ~3 ms per phrasing the encoding costs.
    factory = make_session_factory(clean_engine)
    monkeypatch.setattr(embed, "_VECTOR_CACHE", {})
    encoder = embed.default_encoder()
    real_encode = encoder.encode
    seen: list[tuple[bool, int]] = []

    with factory() as session, session.begin():
        def spy(texts, batch_size=32):  # type: ignore[no-untyped-def]
            seen.append((session.get(FaqEntry, "it-laptop-loan") is None, len(session.new)))
            return real_encode(texts, batch_size)

        monkeypatch.setattr(encoder, "encode", spy)
        kb.upsert(session, [FaqDoc(id="it-laptop-loan", question="貸出PCを借りたい", department="it",
                                   question_en="Can I borrow a loaner laptop?")], source="import", now=NOW)
    assert seen == [(True, 0)]
    assert _vector_count(factory) == 1
