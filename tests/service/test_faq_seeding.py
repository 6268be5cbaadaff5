"""First start: several workers warming their FAQ index at once on an empty database load the bundled
knowledge base exactly once, and none of them fails (issue #12, item 9)."""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.config import load_workspace
from bot.faqdesk import kb
from bot.faqdesk.index import FaqIndex
from bot.settings import BUNDLED_CONFIG
from faq.data import default_kb_path
from faq.formats import load_docs
from models import FaqEntry, FaqRevision
from models.db import make_session_factory

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
CONFIG = load_workspace(BUNDLED_CONFIG)
WORKERS = 4


def test_workers_starting_together_on_an_empty_database_seed_the_faq_once(clean_engine, monkeypatch):
    # Every worker has found the KB empty before any of them writes: the race of a first start,
    # made certain. The bundled KB is read right after that check (before and after the fix).
    # The wait is bounded, so a worker that can only get here while holding the write lock (SQLite
    # before the fix, serialised by BEGIN IMMEDIATE) goes on alone after a moment.
    found_empty = threading.Barrier(WORKERS)
    real_load_docs = kb.load_docs

    def load_docs_once_everyone_looked(path):  # type: ignore[no-untyped-def]
        with contextlib.suppress(threading.BrokenBarrierError):
            found_empty.wait(timeout=2)
        return real_load_docs(path)

    monkeypatch.setattr(kb, "load_docs", load_docs_once_everyone_looked)
    factory = make_session_factory(clean_engine)
    errors: list[BaseException] = []
    indexes: list[FaqIndex] = []

    def start_worker() -> None:
        index = FaqIndex(factory, CONFIG, clock_now=ManualClock(NOW).now)
        try:
            index.warm()
            indexes.append(index)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=start_worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    bundled = {doc.id for doc in real_load_docs(default_kb_path())}
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(FaqEntry)) == len(bundled)
        assert set(session.scalars(select(FaqEntry.id))) == bundled
        # one seeding, one revision bump: nobody loaded it a second time over the first
        assert session.scalar(select(FaqRevision.revision)) == 1
    assert len(indexes) == WORKERS
    assert all(len(index.engine().docs) == len(bundled) for index in indexes)


def test_a_restart_on_a_seeded_database_loads_nothing(clean_engine):
    factory = make_session_factory(clean_engine)
    assert kb.seed_default(factory, NOW) == len(load_docs(default_kb_path()))
    assert kb.seed_default(factory, NOW) == 0
    with factory() as session:
        assert session.scalar(select(FaqRevision.revision)) == 1
