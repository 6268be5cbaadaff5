"""Engine and session factory for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 5000


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def normalise_url(url: str) -> str:
    # Heroku-style postgres:// URLs and bare postgresql:// should use psycopg 3, which we ship.
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets readers run while one writer commits; NORMAL is durable in WAL except for the last
    # transactions on power loss, the usual trade for an embedded server; the busy timeout makes a
    # second writer wait instead of failing with "database is locked".
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


READ_ONLY = "madoguchi_read_only"


class _WriterQueue:
    """One writer at a time per process, handed over in order.

    SQLite's busy handler makes a waiting writer sleep and retry, so under load waiters starve for
    seconds and some hit the timeout. Queueing writers on a lock in the process first hands the
    write lock over in well under a millisecond; the busy timeout still covers other processes."""

    KEY = "madoguchi_writer_lock"

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def begin(self, conn: Any) -> None:
        read_only = conn.get_execution_options().get(READ_ONLY)
        if not read_only:
            if not self._lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
                raise OperationalError("BEGIN IMMEDIATE", {}, TimeoutError("database is locked (writer queue)"))
            conn.info[self.KEY] = True
        try:
            # pysqlite's own BEGIN handling is disabled; writers take the write lock up front, readers
            # (READ_ONLY sessions) begin deferred and never wait for a writer.
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
        except Exception:
            self.end(conn)
            raise

    def end(self, conn: Any) -> None:
        self.release_record(conn)

    def release_record(self, holder: Any) -> None:
        # Connection.info and the pool record's info are the same dict.
        if holder.info.pop(self.KEY, False):
            self._lock.release()


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    kwargs.setdefault("hide_parameters", True)  # SQL parameters are content: never in logs or error texts
    if is_sqlite(url):
        connect_args = kwargs.pop("connect_args", {})
        connect_args.setdefault("check_same_thread", False)
        connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)

        @event.listens_for(engine, "connect")
        def _no_pysqlite_begin(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None

        writers = _WriterQueue()
        event.listen(engine, "begin", writers.begin)
        # These fire just before COMMIT/ROLLBACK runs: the next writer's BEGIN IMMEDIATE may wait
        # a moment on SQLite's busy handler for it, which is short and bounded.
        event.listen(engine, "commit", writers.end)
        event.listen(engine, "rollback", writers.end)
        # A connection returned to the pool mid-transaction (an error path) must not keep the queue.
        event.listen(engine.pool, "checkin", lambda _dbapi, record: writers.release_record(record))
        return engine
    # No pre-ping: it costs a round trip on every checkout (12 % of a request in the ack benchmark);
    # connections are recycled instead, and a dropped one is invalidated on first use.
    kwargs.setdefault("pool_pre_ping", False)
    kwargs.setdefault("pool_recycle", 1800)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def make_read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that only read: on SQLite they never queue behind a writer."""
    return sessionmaker(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def ping(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # the health check reports any failure as "not ready"
        return False


def insert_ignore(session: Session, model: type, values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True when this call inserted the row.

    Only one of many concurrent callers (threads, replicas) can win, which is what event
    de-duplication and job-slot claims rely on."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # rowcount is -1 for this statement through psycopg 3, so ask for the inserted key instead.
    key = sa_inspect(model).primary_key
    statement = insert(model).values(**values).on_conflict_do_nothing().returning(*key)
    return session.execute(statement).first() is not None


def upsert(session: Session, model: type, values: dict[str, Any]) -> None:
    """INSERT … ON CONFLICT (primary key) DO UPDATE: safe when two writers race on a new key."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    key = [c.name for c in sa_inspect(model).primary_key]
    statement = insert(model).values(**values)
    changes = {k: statement.excluded[k] for k in values if k not in key}
    session.execute(statement.on_conflict_do_update(index_elements=key, set_=changes))
