"""The request deadline (models/db.py Deadlines) cuts a database call that is blocked, not a request that is
merely slow: on a loaded machine a request past 2 s whose thread is busy elsewhere must still finish and
commit, where cutting its connection would answer "the database is unavailable" to a person whose click
was about to succeed. PostgreSQL only: the cut shuts a libpq socket down."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from models.db import BLOCKED_S, make_engine, within
from tests.tcp_proxy import tcp_proxy


@pytest.fixture
def engine(postgres_db: str) -> Iterator[Engine]:
    engine = make_engine(postgres_db)
    yield engine
    engine.dispose()


def test_a_request_slow_outside_the_database_keeps_its_connection_and_commits(engine: Engine) -> None:
    with within(0.2), engine.begin() as conn:
        conn.execute(text("SELECT 1"))
        time.sleep(0.2 + BLOCKED_S + 0.3)  # past the deadline, busy in Python: no call in flight
        assert conn.execute(text("SELECT 2")).scalar() == 2


def test_a_call_still_running_past_the_deadline_is_cut_soon_after(engine: Engine, caplog) -> None:
    started = time.monotonic()
    with within(0.2), engine.connect() as conn:
        server_pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with pytest.raises(OperationalError):
            conn.execute(text("SELECT pg_sleep(3)"))
    assert time.monotonic() - started < 0.2 + BLOCKED_S + 0.5
    # What to look up in PostgreSQL's log: which kind of call, on which server process.
    assert "statement in flight" in caplog.text and f"server pid {server_pid}" in caplog.text


def test_a_silent_connection_is_cut_even_when_the_call_began_after_the_deadline(postgres_db: str) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(postgres_db)
    with tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        engine = make_engine(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
        try:
            with engine.connect() as warm:
                warm.execute(text("SELECT 1"))
            outcome: list[str] = []

            def late_call() -> None:
                with within(0.2), engine.connect() as conn:
                    time.sleep(0.4)  # past the deadline before the call even starts
                    proxy.blackhole()
                    try:
                        conn.execute(text("SELECT 1"))
                        outcome.append("answered")
                    except OperationalError:
                        outcome.append("cut")

            started = time.monotonic()
            thread = threading.Thread(target=late_call)
            thread.start()
            thread.join(timeout=10)
            assert outcome == ["cut"] and time.monotonic() - started < 0.4 + BLOCKED_S + 0.5
        finally:
            proxy.heal()
            engine.dispose()
