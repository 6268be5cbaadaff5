"""Only one of many concurrent inserters wins: event de-duplication and job claims rely on it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from bot import events
from models import ProcessedEvent
from models.db import insert_ignore, make_session_factory

AT = datetime(2026, 11, 24, tzinfo=UTC)


def test_the_second_insert_of_the_same_key_reports_false(session):
    assert insert_ignore(session, ProcessedEvent, {"event_id": "Ev1", "event_type": "message", "received_at": AT})
    assert not insert_ignore(session, ProcessedEvent, {"event_id": "Ev1", "event_type": "message", "received_at": AT})


def test_a_retried_event_is_a_first_delivery_once(session):
    assert events.first_delivery(session, "Ev2", "app_mention", AT)
    assert not events.first_delivery(session, "Ev2", "app_mention", AT)


def test_ten_threads_racing_on_one_event_id_give_one_winner(clean_engine):
    factory = make_session_factory(clean_engine)
    wins: list[bool] = []
    barrier = threading.Barrier(10)

    def deliver() -> None:
        barrier.wait()
        with factory() as session, session.begin():
            wins.append(events.first_delivery(session, "EvRACE", "message", AT))

    threads = [threading.Thread(target=deliver) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(wins) == [False] * 9 + [True]
