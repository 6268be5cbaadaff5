"""The request deadline (models/db.py Deadlines) cuts a database call that is blocked, not a request that is
merely slow: on a loaded machine a request past 2 s whose thread is busy elsewhere must still finish and
commit, where cutting its connection would answer "the database is unavailable" to a person whose click
was about to succeed. PostgreSQL only: the cut shuts a libpq socket down."""

from __future__ import annotations

import contextlib
import gc
import logging
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError

from bot.startup import watch_garbage_collections
from models.db import BLOCKED_S, DEADLINES, make_engine, within
from tests.tcp_proxy import tcp_proxy


@contextlib.contextmanager
def said_by(name: str) -> Iterator[list[str]]:
    """What logger `name` says, caught on that logger itself. Not through the root (pytest's caplog): the root's
    handlers are replaced whenever madoguchi's logging is configured in this process, which a command another
    test started on a thread of its own may do at any moment (CI once saw the cut's line on stderr, not in caplog)."""
    lines: list[str] = []
    catcher = logging.Handler(logging.DEBUG)
    catcher.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger(name)
    logger.addHandler(catcher)
    try:
        yield lines
    finally:
        logger.removeHandler(catcher)


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


def test_a_call_still_running_past_the_deadline_is_cut_soon_after(engine: Engine) -> None:
    started = time.monotonic()
    with said_by("models.db") as lines, within(0.2), engine.connect() as conn:
        server_pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with pytest.raises(OperationalError):
            conn.execute(text("SELECT pg_sleep(3)"))
    assert time.monotonic() - started < 0.2 + BLOCKED_S + 0.5
    said = "\n".join(lines)
    # What to look up in PostgreSQL's log: which call, on which server process; and where its thread was.
    assert "statement SELECT pg_sleep(3) in flight" in said
    assert f"server pid {server_pid}; its thread at psycopg/" in said
    assert "… < tests/service/test_request_deadline.py:" in said  # and the code that made the call


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


def hold_the_interpreter(seconds: float) -> None:
    """Freeze every other thread of this process, as a long garbage collection does: hold the GIL
    (a pure-Python loop that asks for no switch within the enlarged switch interval)."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(seconds + 5)
    try:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            pass
    finally:
        sys.setswitchinterval(before)


@pytest.mark.parametrize("frozen_s", [1.0, 2.0])
def test_a_call_answered_while_the_whole_process_was_frozen_is_not_cut(engine: Engine, frozen_s: float) -> None:
    """The month soak's refusals: five requests on both replicas cut at once, PostgreSQL idle waiting
    for the client each time. The process, not the database, had stopped: once it ran again, the
    deadline watcher saw calls "in flight" for seconds and cut them although their answers had arrived."""
    warm = [engine.connect() for _ in range(5)]
    for conn in warm:
        conn.execute(text("SELECT 1"))
    for conn in warm:
        conn.close()
    outcome: list[str] = []
    answered_at: list[float] = []
    sent = threading.Semaphore(0)
    event.listen(engine, "before_cursor_execute", lambda *_: sent.release())

    def request() -> None:
        try:
            with within(0.2), engine.connect() as conn:
                conn.execute(text("SELECT pg_sleep(0.3)"))
            outcome.append("answered")
        except OperationalError:
            outcome.append("cut")
        answered_at.append(time.monotonic())

    workers = [threading.Thread(target=request) for _ in range(5)]
    for worker in workers:
        worker.start()
    for _ in workers:  # every statement on its way (still in flight for 0.3 s) ...
        assert sent.acquire(timeout=10)
    frozen_at = time.monotonic()
    hold_the_interpreter(frozen_s)  # ... when the whole process stops
    for worker in workers:
        worker.join(timeout=10)
    assert outcome == ["answered"] * 5
    assert min(answered_at) - frozen_at >= frozen_s  # they were frozen, and it was the freeze that made them late


def test_a_call_whose_answer_waits_in_its_socket_is_not_cut(engine: Engine) -> None:
    """Its thread is held up elsewhere (here: it sends and then sleeps before reading) while the watcher runs
    on time: the answer has come back, so the network is not what blocks it."""
    with within(0.2), engine.connect() as conn:
        dbapi_conn = conn.connection.dbapi_connection
        DEADLINES.call_started(dbapi_conn)
        dbapi_conn.pgconn.send_query(b"SELECT 1")
        time.sleep(0.2 + BLOCKED_S + 0.3)
        assert dbapi_conn.pgconn.get_result().get_value(0, 0) == b"1"
        while dbapi_conn.pgconn.get_result() is not None:
            pass
        DEADLINES.call_ended(dbapi_conn)
        assert conn.execute(text("SELECT 2")).scalar() == 2


def test_a_long_garbage_collection_is_logged() -> None:
    callback = watch_garbage_collections(long_s=0.0)
    try:
        with said_by("bot.startup") as lines:
            gc.collect()
    finally:
        gc.callbacks.remove(callback)
    said = "\n".join(lines)
    assert "a garbage collection stopped this process for" in said and "generation 2" in said
