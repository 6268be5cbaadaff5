"""The audit chain's first events on an empty database, written concurrently, still form one chain."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import select

from bot import audit
from models import AuditEvent
from models.db import make_session_factory

AT = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
WRITERS = 6


def test_concurrent_first_events_on_an_empty_database_form_one_chain(clean_engine):
    factory = make_session_factory(clean_engine)
    ready = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def first_event(n: int) -> None:
        try:
            with factory() as session, session.begin():
                if clean_engine.dialect.name == "postgresql":  # SQLite: BEGIN IMMEDIATE would take the lock
                    session.connection()  # connected and in a transaction before the start line
                ready.wait(timeout=30)
                audit.record(session, actor=f"U{n:08d}", action="ticket.submitted", subject=f"ticket:{n}", at=AT)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=first_event, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    with factory() as session:
        assert audit.verify(session) is None
        assert len(list(session.scalars(select(AuditEvent.id)))) == WRITERS
