"""Found by the month soak on PostgreSQL: every audited write took the one audit-chain head row FOR UPDATE
as soon as it recorded an event and held it until its transaction ended, so one slow request (a listener
still rendering, a loaded machine) made every other person's audited write wait behind it, and a
submission now and then ran past its 2 s database deadline. The chain is sealed at commit instead.

PostgreSQL only: on SQLite every transaction takes the database's single write lock at BEGIN, so
writers queue there whatever the audit trail does."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from bot import audit
from models import AuditEvent
from models.db import make_session_factory
from tests.dbs import truncate_all

AT = datetime(2026, 12, 14, 1, 0, tzinfo=UTC)


def test_a_slow_transaction_that_recorded_an_event_does_not_hold_up_another_persons_audited_write(
        postgres_engine: Engine) -> None:
    truncate_all(postgres_engine)
    factory = make_session_factory(postgres_engine)
    with factory() as session, session.begin():
        audit.record(session, actor="system", action="config.loaded", subject="config", at=AT)

    recorded, other_done = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def slow_request() -> None:  # 田中さん's request records its event, then takes its time to finish
        with factory() as session, session.begin():
            audit.record(session, actor="UTANAKA01", action="ticket.submitted", subject="ticket:1", at=AT)
            recorded.set()
            outcome["other finished while the slow one was open"] = other_done.wait(timeout=10)

    def other_request() -> None:  # meanwhile 佐藤さん approves something else
        recorded.wait(timeout=10)
        with factory() as session, session.begin():
            audit.record(session, actor="USATO0001", action="step.approved", subject="step:7", at=AT)
        other_done.set()

    threads = [threading.Thread(target=slow_request), threading.Thread(target=other_request)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcome == {"other finished while the slow one was open": True}
    with factory() as session:
        assert audit.verify(session) is None
        chain = [(e.actor_id, e.action) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    # The chain is in commit order: 佐藤さん's approval committed first.
    assert chain == [("system", "config.loaded"), ("USATO0001", "step.approved"), ("UTANAKA01", "ticket.submitted")]


def test_an_event_recorded_in_a_transaction_that_rolls_back_leaves_no_trace(clean_engine: Engine) -> None:
    factory = make_session_factory(clean_engine)
    try:
        with factory() as session, session.begin():
            audit.record(session, actor="UTANAKA01", action="ticket.submitted", subject="ticket:1", at=AT)
            raise RuntimeError("the request failed after recording")
    except RuntimeError:
        pass
    with factory() as session, session.begin():
        audit.record(session, actor="USATO0001", action="step.approved", subject="step:7", at=AT)
    with factory() as session:
        assert audit.verify(session) is None
        assert [e.actor_id for e in session.scalars(select(AuditEvent))] == ["USATO0001"]


def test_events_recorded_earlier_in_the_same_transaction_are_read_back_in_it(clean_engine: Engine) -> None:
    """Hold questions are numbered and a re-routed ticket's card is named by counting events, sometimes
    right after recording one: the reader sees the transaction's own events before they are sealed."""
    factory = make_session_factory(clean_engine)
    with factory() as session, session.begin():
        audit.record(session, actor="UAGENT001", action="ticket.put_on_hold", subject="ticket:1", at=AT,
                     reason="領収書の日付を教えてください")
    with factory() as session, session.begin():
        audit.record(session, actor="UAGENT001", action="ticket.put_on_hold", subject="ticket:1", at=AT,
                     reason="金額も教えてください")
        held = audit.events(session, action="ticket.put_on_hold", subject="ticket:1")
        assert [e.reason for e in held] == ["領収書の日付を教えてください", "金額も教えてください"]



def test_the_chain_head_is_locked_after_the_transactions_own_writes_and_for_two_statements_only(
        clean_engine: Engine) -> None:
    # Found by the month soak: audited writes queued on the head lock while its holder flushed the rest of
    # its request (outbox rows, ticket changes) under it and asked max(id). Now the lock covers the seal alone.
    from sqlalchemy import event

    from models import OutboxMessage

    factory = make_session_factory(clean_engine)
    with factory() as session, session.begin():
        audit.record(session, actor="system", action="config.loaded", subject="config", at=AT)
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(" ".join(statement.split()[:3]))

    event.listen(clean_engine, "before_cursor_execute", seen)
    try:
        with factory() as session, session.begin():
            audit.record(session, actor="UTANAKA01", action="ticket.submitted", subject="ticket:1", at=AT)
            session.add(OutboxMessage(method="chat.postMessage", lane="C1", payload={"channel": "C1", "text": "x"}))
    finally:
        event.remove(clean_engine, "before_cursor_execute", seen)

    locked = next(i for i, s in enumerate(statements) if s.startswith("SELECT audit_head"))
    assert any(s.startswith("INSERT INTO outbox") for s in statements[:locked])  # the request's writes first
    # then the seal: two statements, no max(id)
    assert statements[locked + 1:] == ["INSERT INTO audit_events", "UPDATE audit_head SET"]
    with factory() as session:
        assert audit.verify(session) is None
