"""The outbox dispatcher and a database that stops answering (PostgreSQL behind a loopback proxy that
goes silent): the delivery thread keeps running, says so once, says once that the database is back,
and then delivers what was queued meanwhile — nothing lost, nothing twice."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, select

from bot import outbox
from bot.fakeslack import BOT_TOKEN, FakeSlackServer
from bot.outbox import Dispatcher, RetryPolicy
from models import OutboxMessage
from models.db import make_engine, make_session_factory
from tests.dbs import truncate_all
from tests.tcp_proxy import TcpProxy, tcp_proxy

CHANNELS = ["CFINANCE", "CHR", "CGENERAL"]


@pytest.fixture
def database(postgres_engine: Engine) -> Engine:
    truncate_all(postgres_engine)
    return postgres_engine


@pytest.fixture
def proxy(database: Engine) -> Iterator[TcpProxy]:
    with tcp_proxy(database.url.host or "127.0.0.1", database.url.port or 5432) as running:
        yield running


def through(proxy: TcpProxy, database: Engine) -> Engine:
    """The dispatcher's engine: the same database, reached through the proxy, every wait bounded."""
    url = database.url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    return make_engine(url, pool_size=2, max_overflow=2, connect_args={
        "connect_timeout": 2,
        "options": "-c statement_timeout=2000 -c idle_in_transaction_session_timeout=3000",
        "keepalives": 1, "keepalives_idle": 1, "keepalives_interval": 1, "keepalives_count": 2,
    })


def quick_dispatcher(engine: Engine, slack: FakeSlackServer) -> Dispatcher:
    """Short backoffs and polls, and a 2 s database deadline, so an outage plays out in seconds."""
    return Dispatcher(
        make_session_factory(engine), WebClient(token=BOT_TOKEN, base_url=slack.url, timeout=2),
        policy=RetryPolicy(base_delay=0.05, max_delay=0.2, lane_interval=0.0, settle=0.05),
        poll_interval=0.1, db_stall=2.0, max_outage_poll=0.5)


def wait_until(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_silent_database_pauses_delivery_logs_once_and_loses_nothing(database, proxy, caplog):
    caplog.set_level(logging.DEBUG, logger="bot.outbox")
    direct = make_session_factory(database)
    engine = through(proxy, database)
    with FakeSlackServer() as slack:
        dispatcher = quick_dispatcher(engine, slack)

        def enqueue(channel: str, text: str) -> None:
            with direct() as session, session.begin():
                outbox.post(session, channel, text)
            dispatcher.notify()

        dispatcher.start()
        try:
            enqueue(CHANNELS[0], "before")
            assert wait_until(lambda: _statuses(direct) == {"sent"}, timeout=10)

            proxy.blackhole()  # the pooled connection goes silent: no error, no answer, ever
            for channel in CHANNELS:
                enqueue(channel, f"during {channel}")
            time.sleep(6)  # a stalled call (2 s), then fresh connects timing out (2 s), polls in between
            assert dispatcher._thread is not None and dispatcher._thread.is_alive()
            assert len(slack.calls("chat.postMessage")) == 1

            proxy.heal()
            slack.wait_for("chat.postMessage", 4, timeout=20)
            assert wait_until(lambda: _statuses(direct) == {"sent"}, timeout=10)
        finally:
            dispatcher.stop()
            engine.dispose()

        for channel in CHANNELS:
            texts = [m["text"] for m in slack.messages(channel)]
            assert texts.count(f"during {channel}") == 1, texts
        assert len(slack.calls("chat.postMessage")) == 4

    lines = [r.getMessage() for r in caplog.records if r.name == "bot.outbox" and r.levelno >= logging.WARNING]
    outages = [line for line in lines if "database unavailable" in line]
    recoveries = [line for line in lines if "database answering again" in line]
    assert len(outages) == 1 and len(recoveries) == 1, lines
    assert not any("during" in line for line in lines)  # ids and outcomes, never content


def test_a_post_slack_took_while_the_database_went_silent_is_recorded_once_it_answers(database, proxy, caplog):
    direct = make_session_factory(database)
    engine = through(proxy, database)
    with FakeSlackServer() as slack:
        dispatcher = quick_dispatcher(engine, slack)

        def cut_the_database(call) -> None:  # type: ignore[no-untyped-def]
            # Runs in the fake before it answers: the dispatcher hears "ok" from a silent database.
            if call.method == "chat.postMessage":
                proxy.blackhole()
                time.sleep(0.3)  # the proxy applies a new mode within 50 ms

        slack.on_call(cut_the_database)
        with direct() as session, session.begin():
            outbox.post(session, CHANNELS[0], "receipt", ref="ticket:1:receipt")
        dispatcher.start()
        try:
            slack.wait_for("chat.postMessage", 1, timeout=10)
            time.sleep(4)  # the record of it stalls (cut after 2 s); reconnects time out
            assert _statuses(direct) == {"sending"}
            proxy.heal()
            assert wait_until(lambda: _statuses(direct) == {"sent"}, timeout=15)  # well before the 60 s lease
        finally:
            dispatcher.stop()
            engine.dispose()

        assert [m["text"] for m in slack.messages(CHANNELS[0])] == ["receipt"]
        assert len(slack.calls("chat.postMessage")) == 1 and slack.calls("conversations.history") == []


def _statuses(factory) -> set[str]:  # type: ignore[no-untyped-def]
    with factory() as session:
        return set(session.scalars(select(OutboxMessage.status)))
