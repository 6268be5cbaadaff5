"""The in-process FAQ index, rebuilt when the knowledge base's revision moves.

Each replica checks the revision at most once per `check_every` seconds (one tiny query), so a
change made anywhere is picked up everywhere within that time. Rebuilding happens off the lock
readers use: a question never waits for a rebuild, it is answered by the previous index."""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict

from sqlalchemy.orm import Session, sessionmaker

from bot.config import WorkspaceConfig
from bot.faqdesk import kb
from bot.faqdesk.vectors import DbVectorStore, DbWordStore
from faq.data import default_synonyms
from faq.embed import default_embedder
from faq.engine import Answer, FaqEngine
from models.db import make_read_session_factory

log = logging.getLogger(__name__)


def synonyms_for(config: WorkspaceConfig) -> dict[str, list[str]]:
    merged = default_synonyms()
    for group in config.faq.synonyms:
        if len(group) >= 2:
            merged.setdefault(group[0], [])
            merged[group[0]] = sorted(set(merged[group[0]]) | set(group[1:]))
    return merged


class FaqIndex:
    def __init__(self, session_factory: sessionmaker[Session], config: WorkspaceConfig, *,
                 clock_now, check_every: float = 1.0):  # type: ignore[no-untyped-def]
        self._factory = session_factory
        self._reader = make_read_session_factory(session_factory.kw["bind"])
        self._config = config
        self._now = clock_now
        self._check_every = check_every
        self._engine: FaqEngine | None = None
        self._revision = -1
        self._checked_at = 0.0
        self._rebuild = threading.Lock()

    def warm(self) -> None:
        """Seed (first start) and build now, outside any request: the first question should not
        pay for it, and seeding writes."""
        self.engine()

    def invalidate(self) -> None:
        """Re-check the KB revision on the next question (called after a change made in this process)."""
        self._checked_at = float("-inf")

    def engine(self) -> FaqEngine:
        stale = self._engine is None or time.monotonic() - self._checked_at >= self._check_every
        if stale:
            self._refresh()
        assert self._engine is not None
        return self._engine

    def _refresh(self) -> None:
        blocking = self._engine is None  # the very first build must finish before anyone can ask
        if not self._rebuild.acquire(blocking=blocking):
            return
        try:
            if self._engine is None and self._config.faq.seed_default_kb:
                seeded = kb.seed_default(self._factory, self._now(), read=self._reader)
                if seeded:
                    log.info("seeded the FAQ with %d default entries", seeded)
            with self._reader() as session, session.begin():
                revision = kb.current_revision(session)
                self._checked_at = time.monotonic()
                if revision == self._revision and self._engine is not None:
                    return
                docs = kb.docs(session)
            # Sentence vectors of the English phrasings come from the database (stored at write time);
            # without the model package the engine ranks with its lexical signals only.
            embedder = default_embedder(DbVectorStore(self._reader, self._factory))
            self._engine = FaqEngine.build(docs, synonyms=synonyms_for(self._config), embedder=embedder,
                                           word_store=DbWordStore(self._reader, self._factory))
            self._revision = revision
            log.info("FAQ index built: %d entries, revision %d, %.2fs", len(docs), revision,
                     self._engine.build_s)
        finally:
            self._rebuild.release()

    def ask(self, text: str, k: int = 3) -> Answer:
        return self.engine().ask(text, k)

    def departments_for(self, text: str) -> list[tuple[str, float]]:
        """Departments of the nearest entries, by summed score: a routing signal for free text."""
        totals: dict[str, float] = defaultdict(float)
        for match in self.engine().ask(text, k=5).matches:
            if match.department:
                totals[match.department] += match.score
        return sorted(totals.items(), key=lambda kv: -kv[1])

    def doc(self, entry_id: str):  # type: ignore[no-untyped-def]
        return next((d for d in self.engine().docs if d.id == entry_id), None)
