"""Found by the month soak on PostgreSQL: every audited write took the one audit-chain head row FOR UPDATE
as soon as it recorded an event and held it until its transaction ended, so one slow request (a listener
still rendering, a loaded machine) made every other person's audited write wait behind it, and a
submission now and then ran past its 2 s database deadline. The chain is sealed at commit instead, and since
0016 a commit that finds the head held leaves its events to the holder or the sealer.

The waiting tests are PostgreSQL only: on SQLite every transaction takes the database's single write lock at
BEGIN, so writers queue there whatever the audit trail does."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from sqlalchemy import Engine, select, text

from bot import audit
from bot.audit_sealer import Sealer
from models import AuditEvent, AuditHead
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
        chain = [(e.actor_id, e.action) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
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


def test_an_audited_write_never_waits_for_the_chain_head(postgres_engine: Engine) -> None:
    """Found by the month soak: with the head lock held only for the seal and the commit, its holders were still
    "idle in transaction" whenever their process waited for a CPU, and every audited write in the company
    queued behind them until submissions ran past their 2 s deadline. A committing write now skips a held head:
    its event is sealed by the holder or the sealer a moment later."""
    truncate_all(postgres_engine)
    factory = make_session_factory(postgres_engine)
    with factory() as session, session.begin():
        audit.record(session, actor="system", action="config.loaded", subject="config", at=AT)

    holding, release = threading.Event(), threading.Event()

    def hold_the_head() -> None:  # a sealer (or a committing transaction) that lost the CPU while holding it
        with factory() as session, session.begin():
            session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
            holding.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=hold_the_head)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        with factory() as session, session.begin():
            session.execute(text("SET LOCAL lock_timeout = '2s'"))  # waiting would fail here, not hang
            audit.record(session, actor="UTANAKA01", action="ticket.submitted", subject="ticket:1", at=AT)
        with factory() as session:
            assert audit.unsealed(session) == 1  # written, committed, waiting for its seal
    finally:
        release.set()
        holder.join(timeout=30)

    sealer = Sealer(factory, interval=0.05)
    sealer.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with factory() as session:
                if audit.unsealed(session) == 0:
                    break
            time.sleep(0.05)
    finally:
        sealer.stop()
    with factory() as session:
        assert audit.unsealed(session) == 0
        assert audit.verify(session) is None
        chain = [(e.seq, e.actor_id) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    assert chain == [(1, "system"), (2, "UTANAKA01")]


def test_a_committing_write_seals_what_others_left_and_its_own(clean_engine: Engine) -> None:
    """An event written while the head was held (here: inserted unsealed, as such a write leaves it) joins the
    chain with the next audited commit, before that commit's own events, in the order written."""
    factory = make_session_factory(clean_engine)
    with factory() as session, session.begin():
        audit.record(session, actor="system", action="config.loaded", subject="config", at=AT)
    with factory() as session, session.begin():
        session.add(AuditEvent(subject="ticket:1", actor_id="UTANAKA01", action="ticket.submitted", at=AT))
    with factory() as session, session.begin():
        audit.record(session, actor="USATO0001", action="step.approved", subject="step:7", at=AT)
    with factory() as session:
        assert audit.unsealed(session) == 0
        assert audit.verify(session) is None
        chain = [e.actor_id for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    assert chain == ["system", "UTANAKA01", "USATO0001"]
