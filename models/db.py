"""Engine and session factory for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import contextlib
import heapq
import logging
import os
import select
import socket
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
SQLITE_BUSY_TIMEOUT_MS = 5000

# PostgreSQL: every wait on the network is bounded (docs/SECURITY.md).
CONNECT_TIMEOUT_S = 2  # libpq's and psycopg's minimum
STATEMENT_TIMEOUT_MS = 5000  # server side: lock waits, runaway queries
IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000  # a client that vanished mid-transaction frees its locks
# A connection whose peer vanished (a load balancer's idle timeout, a failover) is found dead by TCP:
# idle ones after 10 s + 3 × 3 s of unanswered keepalives, busy ones when sent data stays unacknowledged
# for 10 s (tcp_user_timeout), instead of the kernel's defaults of two hours and ~15 minutes.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 3, "keepalives_count": 3,
              "tcp_user_timeout": 10_000}
POOL_TIMEOUT_S = 2  # a request waits at most this long for a pooled connection
# Checked out after this long unused, a connection is pinged first (see _ping_if_idle).
PING_AFTER_IDLE_S = 10.0
# Past a thread's deadline, a call in flight this long is taken as blocked and cut; checked every RECHECK_S.
# Deadline + BLOCKED_S stays inside Slack's 3 s for the request deadline (bot/app.py) of 2 s.
BLOCKED_S = 0.5
RECHECK_S = 0.1
SQL_HEAD = 60  # how much of a blocked statement's SQL its log line shows
# The deadline watcher waking this much later than it asked means the whole process had stopped (a long
# garbage collection, a starved machine): calls in flight then are counted from the moment it ran again.
STOPPED_S = 0.25


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


def make_engine(url: str, *, statement_timeout_ms: int = STATEMENT_TIMEOUT_MS, **kwargs: Any) -> Engine:
    """`statement_timeout_ms` (PostgreSQL): 0 for bulk work an operator starts on purpose (a benchmark's
    load); the bot's own engines keep the default. Migrations lift it for their transaction only."""
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
    connect_args = kwargs.pop("connect_args", {})
    if make_url(url).get_backend_name() == "postgresql":
        connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
        for key, value in KEEPALIVES.items():
            connect_args.setdefault(key, value)
        if "options" not in make_url(url).query:
            connect_args.setdefault("options", f"-c statement_timeout={statement_timeout_ms} -c "
                                    f"idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_TIMEOUT_MS}")
    # No pre-ping on every checkout: it costs a round trip each time (12 % of a request in the ack
    # benchmark). Only a connection unused for PING_AFTER_IDLE_S is pinged (_ping_if_idle): the busy
    # ones, which carried a query moments ago, skip it, and an idle one that died (keepalives notice
    # it within ~19 s) is replaced before a request trips on it.
    kwargs.setdefault("pool_pre_ping", False)
    kwargs.setdefault("pool_recycle", 1800)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_timeout", POOL_TIMEOUT_S)
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    # Order matters: the deadline watch must know the connection before the ping can hang on it.
    event.listen(engine, "checkout", DEADLINES.checkout)
    event.listen(engine, "checkout", _ping_if_idle)
    event.listen(engine, "checkin", _mark_idle)
    event.listen(engine, "checkin", DEADLINES.checkin)
    if engine.dialect.name == "postgresql":  # what the deadline watch can cut
        _watch_calls(engine)
    return engine


def _watch_calls(engine: Engine) -> None:
    """Which connections have a call in flight, and since when (Deadlines): statements, commits, rollbacks."""
    def dbapi(conn: Any) -> Any:
        if conn.invalidated:  # cut: its rollback only forgets the transaction; nothing to watch
            return None
        return conn.connection.dbapi_connection

    event.listen(engine, "before_cursor_execute",
                 lambda conn, _cursor, statement, *_: DEADLINES.call_started(dbapi(conn), "statement", statement))
    event.listen(engine, "after_cursor_execute", lambda conn, *_: DEADLINES.call_ended(dbapi(conn)))
    event.listen(engine, "handle_error", _call_failed)
    event.listen(engine, "invalidate", lambda dbapi_conn, *_: DEADLINES.call_ended(dbapi_conn))
    # No event follows a commit or a rollback: the mark is cleared when the connection goes back to the pool.
    event.listen(engine, "commit", lambda conn: DEADLINES.call_started(dbapi(conn), "commit"))
    event.listen(engine, "rollback", lambda conn: DEADLINES.call_started(dbapi(conn), "rollback"))


_IDLE_SINCE = "madoguchi_idle_since"


def _mark_idle(_dbapi_conn: Any, record: Any) -> None:
    if record is not None:
        record.info[_IDLE_SINCE] = time.monotonic()


def _call_failed(ctx: Any) -> None:
    with contextlib.suppress(Exception):  # an invalidated connection has no DBAPI connection to name
        DEADLINES.call_ended(ctx.connection.connection.dbapi_connection)


def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
    since = record.info.get(_IDLE_SINCE)
    if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
        return
    DEADLINES.call_started(dbapi_conn, "ping")
    try:
        cursor = dbapi_conn.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
        DEADLINES.call_ended(dbapi_conn)
    except Exception as exc:
        DEADLINES.call_ended(dbapi_conn)
        # The pool discards this connection and checks out (or opens) another.
        log.info("an idle database connection was dead (%s); replacing it", type(exc).__name__)
        raise DisconnectionError() from exc


class Deadlines:
    """Cuts a PostgreSQL call that is still blocked once its thread is past its deadline.

    A connection that goes silent (the proxy or the network keeps the TCP session but nothing answers)
    blocks the caller forever: libpq has no client-side query timeout, statement_timeout needs a server
    that hears the query, and TCP timeouts only fire when data goes unacknowledged. So a request (or a
    health probe) runs `within(seconds)`: pool checkouts on its thread are recorded, and one watcher
    thread shuts a connection's socket down once the deadline has passed *and* a call on it has been in
    flight for BLOCKED_S, which makes the blocked call fail at once (the pool then discards the
    connection). A request that is merely slow — its thread busy in Python on a loaded machine, or
    waiting for Slack — keeps its connection: cutting it would turn a late success into "the database is
    unavailable" (the month soak saw exactly that: four submissions cut at once on a machine at load 7).
    Nor is a call blocked when the process itself had stopped (the month soak again: five requests cut at
    once on both replicas, PostgreSQL idle waiting for the client each time): a call whose answer is
    already in its socket is left to be read, and a call's time in flight starts again when the process
    runs again (`resumed`: the watcher waking late, or a long garbage collection).
    Cost per request: a lock and two dict operations; per statement, two dict operations."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, list[Any]]] = []
        self._active: dict[int, list[Any]] = {}
        self._serial = 0
        self._watcher: threading.Thread | None = None
        # DBAPI connection → when the call now in flight on it began (monotonic). Set and cleared by the
        # connection's own thread, read by the watcher. Weak keys: a connection thrown away mid-call (invalidated)
        # takes its mark with it, and no later connection can inherit it.
        # Also the thread making the call and the SQL's first words (a template: parameters are never kept).
        self._calls: weakref.WeakKeyDictionary[Any, tuple[float, str, int, str]] = weakref.WeakKeyDictionary()
        self._resumed_at = 0.0  # when the process last ran again after stopping (monotonic)

    def resumed(self, stopped_s: float) -> None:
        """The process had stopped for `stopped_s` until now: no call made progress meanwhile. A plain
        assignment: safe from a garbage collector's callback, whichever lock its thread holds."""
        if stopped_s >= STOPPED_S:
            self._resumed_at = time.monotonic()

    def call_started(self, dbapi_conn: Any, kind: str = "statement", sql: str = "") -> None:
        if dbapi_conn is not None:  # None: the connection was invalidated (cut) a moment ago
            self._calls[dbapi_conn] = (time.monotonic(), kind, threading.get_ident(), sql[:SQL_HEAD])

    def call_ended(self, dbapi_conn: Any) -> None:
        if dbapi_conn is not None:
            self._calls.pop(dbapi_conn, None)

    @contextmanager
    def within(self, seconds: float) -> Iterator[None]:
        held: list[Any] = []
        with self._cond:
            self._serial += 1
            key = self._serial
            self._active[key] = held
            heapq.heappush(self._heap, (time.monotonic() + seconds, key, held))
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._watch, name="db-deadlines", daemon=True)
                self._watcher.start()
            if self._heap[0][1] == key:
                self._cond.notify()
        outer = getattr(self._local, "held", None)
        self._local.held = held
        try:
            yield
        finally:
            self._local.held = outer
            with self._cond:
                self._active.pop(key, None)

    def checkout(self, dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        held = getattr(self._local, "held", None)
        if held is not None:
            with self._cond:
                held.append(dbapi_conn)

    def checkin(self, dbapi_conn: Any, _record: Any) -> None:
        """A connection back in the pool is no longer this block's: the watcher must never cut a
        connection that another thread may check out next (cut and checkin exclude each other)."""
        self.call_ended(dbapi_conn)  # a commit or rollback is over once the connection is back
        held = getattr(self._local, "held", None)
        if held is not None and dbapi_conn in held:
            with self._cond:
                held[:] = [c for c in held if c is not dbapi_conn]

    def _watch(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][1] not in self._active:
                    heapq.heappop(self._heap)  # finished in time
                if not self._heap:
                    self._cond.wait()
                    continue
                due, key, held = self._heap[0]
                wait = due - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
                now = time.monotonic()
                late = now - due
                self.resumed(late)
                blocked = {id(c): (now - call[0], call[1], _backend_pid(c), call[3], _thread_at(call[2]))
                           for c in held if (call := self._calls.get(c)) is not None
                           and now - max(call[0], self._resumed_at) >= BLOCKED_S and not _answered(c)}
                victims = [c for c in held if id(c) in blocked]
                for conn in victims:  # under the lock: see checkin
                    _cut(conn)
                    self.call_ended(conn)
                if len(victims) < len(held):  # still running: look again until it ends
                    heapq.heappush(self._heap, (now + RECHECK_S, key, held))
                else:
                    self._active.pop(key, None)
            if late >= STOPPED_S:
                log.warning("this process had stopped for %.1f s (a long garbage collection or a starved machine); "
                            "database calls in flight were given more time", late)
            for seconds, kind, pid, sql, where in blocked.values():
                # The server's process id: PostgreSQL's log for that pid tells whether the server was working on
                # it (a lock, a slow statement) or waiting for this client all along; where the calling thread
                # was, whether it was blocked in the driver or had not got that far.
                log.warning("a database call was still blocked at its deadline (%s %s in flight %.1f s, server pid %s; "
                            "its thread at %s); its connection was cut",
                            kind, " ".join(sql.split()), seconds, pid, where)


def _thread_at(ident: int, inner: int = 3, ours: int = 2) -> str:
    """Where a thread is, as file:line function (code locations only, never values): its innermost frames
    (the driver, or whatever it had not got past), then the innermost of madoguchi's own, after "…"."""
    frame = sys._current_frames().get(ident)
    places, own = [], []
    while frame is not None and len(own) < ours:
        path = frame.f_code.co_filename
        library = "site-packages/" in path or "/lib/python3" in path
        place = f"{path.split('site-packages/')[-1] if library else os.path.relpath(path)}:{frame.f_lineno} " \
                f"{frame.f_code.co_name}"
        if len(places) < inner:
            places.append(place)
        elif not library:
            own.append(place)
        frame = frame.f_back
    return " < ".join(places + (["…", *own] if own else [])) or "(thread gone)"


def _backend_pid(dbapi_conn: Any) -> int | None:
    try:
        return int(dbapi_conn.pgconn.backend_pid)
    except Exception:  # closed already
        return None


def _answered(dbapi_conn: Any) -> bool:
    """The server's answer (or its end of the connection) is waiting in the socket: the network is not what
    holds the call up, its own thread has yet to run. poll(), not select(): descriptors may exceed 1024."""
    try:
        poller = select.poll()
        poller.register(dbapi_conn.pgconn.socket, select.POLLIN)
        return bool(poller.poll(0))
    except Exception:  # closed already
        return False


def _cut(dbapi_conn: Any) -> None:
    try:
        fd = dbapi_conn.pgconn.socket
    except Exception:  # already closed
        return
    try:
        # shutdown() acts on the socket, not the descriptor: the blocked libpq call wakes up and fails.
        sock = socket.socket(fileno=os.dup(fd))
        try:
            sock.shutdown(socket.SHUT_RDWR)
        finally:
            sock.close()
    except OSError:
        pass


DEADLINES = Deadlines()


def within(seconds: float) -> Any:
    """Database calls made by this thread in the block are cut off `seconds` after it starts."""
    return DEADLINES.within(seconds)


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


class Prober:
    """`up()` answers within `deadline` seconds whatever the database does: the ping runs in a thread
    (opening a connection to a silent server alone takes CONNECT_TIMEOUT_S), at most one at a time;
    a ping still running when the deadline passes counts as down, and later calls wait for that same
    ping instead of piling up threads. The ping itself is cut off by DEADLINES after `cutoff` seconds."""

    def __init__(self, engine: Engine, *, deadline: float = 1.5, cutoff: float = 3.0) -> None:
        self._engine = engine
        self._deadline = deadline
        self._cutoff = cutoff
        self._lock = threading.Lock()
        self._running: threading.Event | None = None
        self._result = False

    def up(self) -> bool:
        with self._lock:
            done = self._running
            if done is None:
                done = self._running = threading.Event()
                threading.Thread(target=self._ping, args=(done,), name="db-probe", daemon=True).start()
        if not done.wait(self._deadline):
            return False
        return self._result

    def _ping(self, done: threading.Event) -> None:
        with DEADLINES.within(self._cutoff):
            self._result = ping(self._engine)
        with self._lock:
            self._running = None
        done.set()


def insert_ignore(session: Session, model: type, values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING RETURNING, in the caller's transaction; True when this call
    inserted the row. The one exactly-once claim: of many concurrent callers (threads, replicas) one
    wins — event de-duplication, job-slot and digest-week claims, reminder claims. On PostgreSQL a
    concurrent insert of the same key waits for the other transaction, then loses."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # The winner is told by RETURNING: psycopg 3 reports rowcount -1 for this statement either way.
    key = sa_inspect(model).primary_key
    statement = insert(model).values(**values).on_conflict_do_nothing().returning(*key)
    # Core, not the ORM's bulk-insert path: the scheduler claims every slot of every job (a clock jump
    # walks thousands), and the ORM layer tripled its cost.
    return session.connection().execute(statement).first() is not None


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


def starts_with(session: Session, column: Any, prefix: str) -> Any:
    """`column` begins with `prefix`, as a condition an index on the column answers on both backends.

    PostgreSQL: LIKE 'prefix%', which an index built with text_pattern_ops serves under any collation.
    SQLite cannot use an index for a LIKE whose pattern is a parameter (and its LIKE ignores case), so there
    it is the range [prefix, prefix with its last character's successor), exact under SQLite's byte-order
    (BINARY) collation. Prefixes here are the application's own names, never user text."""
    if session.get_bind().dialect.name == "sqlite":
        return (column >= prefix) & (column < prefix[:-1] + chr(ord(prefix[-1]) + 1))
    return column.startswith(prefix)
