"""Scale benchmark: 1,000,000 tickets and approval steps, the reminder sweep and the weekly digest.

    python -m bench.scale [--rows 1000000] [--backend sqlite|postgresql|both] [--write-doc]

Loads a year of synthetic back-office traffic (tickets spread over 52 weeks, one approval step each;
~1 % of steps still pending, most of them past due and already reminded once), then measures
- the reminder sweep batch: the two index range scans that pick 100 due steps (bot.approvals.reminders
  .due_batch), repeated; budget ≤ 5 ms per 100 due rows;
- the weekly digest numbers (bot.digest.numbers.compute) for the last week; budget ≤ 2 s.
Bulk load: COPY on PostgreSQL, executemany in 50,000-row transactions on SQLite. Results go between the
bench:scale markers of docs/BENCHMARKS.md with --write-doc (re-read just before writing).
Loading takes minutes (SQLite ~10–25 min): BENCH_SQLITE_PATH=file.db / BENCH_POSTGRES_URL=postgresql://…
keep a loaded database between runs (it is loaded when missing or empty, and migrated to head each run).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.docblock import write_block
from bot.approvals.reminders import due_batch
from bot.calendar import BusinessCalendar
from bot.config import load_workspace
from bot.migrate import upgrade
from bot.settings import BUNDLED_CONFIG
from models.db import make_engine, make_session_factory

NOW = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # Monday 09:00 in Tokyo: digest time
BEGIN, END = "<!-- bench:scale:begin -->", "<!-- bench:scale:end -->"
DEPARTMENTS = ("finance", "hr", "general_affairs", "legal", "it")
TYPES = ("expense", "payment", "leave", "account", "inquiry")
APPROVERS = [f"UAPPR{i:04d}" for i in range(200)]


def rows(n: int, seed: int = 7):
    """(ticket tuple, step tuple) for n tickets over the year before NOW."""
    rng = random.Random(seed)
    year = 365 * 24 * 3600
    for i in range(1, n + 1):
        created = NOW - timedelta(seconds=rng.randrange(year))
        age = (NOW - created).total_seconds()
        dept = DEPARTMENTS[i % 5]
        pending = rng.random() < 0.01
        first = created + timedelta(hours=rng.uniform(0.2, 20)) if age > 3600 * 20 else None
        done = (not pending) and age > 3600 * 72 and rng.random() < 0.97
        resolved = created + timedelta(hours=rng.uniform(20, 70)) if done else None
        status = "pending_approval" if pending else ("resolved" if done else "in_progress")
        ticket = (i, f"X{i:07d}", dept, i, TYPES[i % 5], f"t{i}", "{}", f"U{i % 5000:05d}", status,
                  created, first, resolved, rng.choice((None, 3, 4, 5)) if done else None, created, created)
        requested = created + timedelta(minutes=5)
        due = requested + timedelta(hours=8)
        if pending:
            step_status, decided = "pending", None
            reminded = rng.random() < 0.8  # most stalled steps were reminded and wait for their next time
            next_at = NOW + timedelta(hours=rng.uniform(0.1, 4)) if reminded else None
        else:
            step_status = rng.choices(("approved", "sent_back", "rejected"), (90, 7, 3))[0]
            decided, next_at, reminded = requested + timedelta(hours=rng.uniform(0.5, 30)), None, False
        step = (i, i, 1, 1, "上長", json.dumps([rng.choice(APPROVERS)]), step_status, 1, requested, due, decided,
                "[]", 1 if reminded else 0, next_at, created)
        yield ticket, step


TICKET_COLS = ("id", "number", "department", "seq", "request_type", "title", "fields", "requester_id", "status",
               "created_at", "first_responded_at", "resolved_at", "satisfaction", "updated_at", "first_response_due")
STEP_COLS = ("id", "ticket_id", "round", "position", "rule", "approvers", "status", "version", "requested_at",
             "due_at", "decided_at", "fields_to_fix", "reminder_count", "next_reminder_at", "created_at")
# Columns with defaults that COPY / executemany must fill explicitly.
TICKET_FIXED = {"confidential": False, "locale": "ja", "version": 1}


def load(engine, n: int) -> float:
    started = time.perf_counter()
    fixed_cols = tuple(TICKET_FIXED)
    fixed_vals = tuple(TICKET_FIXED.values())
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            with cur.copy(f"COPY tickets ({', '.join(TICKET_COLS + fixed_cols)}) FROM STDIN") as tc:
                for ticket, _ in rows(n):
                    tc.write_row(ticket + fixed_vals)
            with cur.copy(f"COPY approval_steps ({', '.join(STEP_COLS)}) FROM STDIN") as sc:
                for _, step in rows(n):
                    sc.write_row(step)
            raw.commit()
        finally:
            raw.close()
        # VACUUM too, as autovacuum would after a million inserts: it sets the visibility map that
        # lets PostgreSQL answer counts from an index alone.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE tickets")
            conn.exec_driver_sql("VACUUM ANALYZE approval_steps")
        return time.perf_counter() - started
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        t_sql = (f"INSERT INTO tickets ({', '.join(TICKET_COLS + fixed_cols)}) VALUES "
                 f"({', '.join('?' * (len(TICKET_COLS) + len(fixed_cols)))})")
        s_sql = f"INSERT INTO approval_steps ({', '.join(STEP_COLS)}) VALUES ({', '.join('?' * len(STEP_COLS))})"

        def iso(v):
            return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v

        batch_t, batch_s = [], []
        for ticket, step in rows(n):
            batch_t.append(tuple(iso(v) for v in ticket) + fixed_vals)
            batch_s.append(tuple(iso(v) for v in step))
            if len(batch_t) >= 50_000:
                cur.executemany(t_sql, batch_t)
                cur.executemany(s_sql, batch_s)
                raw.commit()
                batch_t, batch_s = [], []
        if batch_t:
            cur.executemany(t_sql, batch_t)
            cur.executemany(s_sql, batch_s)
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - started


def measure(engine, repeat: int = 200) -> dict[str, float]:
    factory = make_session_factory(engine)
    config = load_workspace(BUNDLED_CONFIG)
    calendar = BusinessCalendar(config.calendar)
    sweep = []
    found = 0
    for i in range(repeat):
        now = NOW + timedelta(minutes=30 * (i % 8))  # later reminders fall due through the morning
        with factory() as session, session.begin():
            t0 = time.perf_counter()
            batch = due_batch(session, now, 100)
            sweep.append((time.perf_counter() - t0) * 1000)
            found = len(batch)
            session.rollback()
    from bot.digest.numbers import compute

    digest = []
    for _ in range(3):
        with factory() as session:
            t0 = time.perf_counter()
            d = compute(session, config, calendar, NOW)
            digest.append(time.perf_counter() - t0)
    with factory() as session:
        parts = digest_parts(session, config, calendar)
    return {"sweep_ms_median": statistics.median(sweep), "sweep_ms_p95": sorted(sweep)[int(0.95 * len(sweep)) - 1],
            "due_rows_per_batch": found, "digest_s_median": statistics.median(digest), "digest_s_max": max(digest),
            "week_new": d.total.this.new, "digest_parts_s": parts}


def digest_parts(session, config, calendar) -> dict[str, float]:
    """Where the digest's time goes (one warm run of each part), to know what to work on next."""
    from bot.digest import desk_counts, numbers
    from bot.digest.hours import BusinessHours
    from bot.faqdesk import stats as faq_stats

    start, end = numbers.week_bounds(calendar, NOW)
    last = start - timedelta(days=7)
    bounds = [end - timedelta(days=7 * (numbers.CHART_WEEKS - i)) for i in range(numbers.CHART_WEEKS + 1)]
    hours = BusinessHours(calendar)
    steps = {
        "counts (GROUP BY)": lambda: desk_counts.count(session, bounds, [d.key for d in config.departments]),
        "first responses (2 weeks)": lambda: numbers._first_responses(session, hours, last, end),
        "resolutions (2 weeks)": lambda: numbers._resolutions(session, hours, last, end),
        "approvals (2 weeks)": lambda: (numbers._approvals(session, hours, start, end),
                                        numbers._approvals(session, hours, last, start)),
        "stalled": lambda: numbers._stalled(session, calendar, NOW),
        "evidence (2 weeks)": lambda: (numbers._evidence(session, config, start, end),
                                       numbers._evidence(session, config, last, start)),
        "faq": lambda: (faq_stats.numbers(session, start, end), faq_stats.top_unanswered(session, start, end)),
    }
    timings = {}
    for name, run in steps.items():
        t0 = time.perf_counter()
        run()
        timings[name] = round(time.perf_counter() - t0, 3)
    return timings


def run_backend(backend: str, n: int) -> dict[str, object]:
    if backend == "postgresql":
        from tests.service.scheduler_replica import throwaway_postgres

        keep_pg = os.environ.get("BENCH_POSTGRES_URL")  # an existing database: loaded once, then reused
        if keep_pg:
            engine = make_engine(keep_pg, statement_timeout_ms=0)  # loading 1,000,000 rows
            try:
                upgrade(engine)
                with engine.connect() as conn:
                    empty = conn.exec_driver_sql("SELECT count(*) FROM (SELECT 1 FROM tickets LIMIT 1) t").scalar() == 0
                seconds = load(engine, n) if empty else float("nan")
                return {"backend": backend, "rows": n, "load_s": seconds, **measure(engine)}
            finally:
                engine.dispose()
        server = os.environ.get("MADOGUCHI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
        with throwaway_postgres(server) as url:
            engine = make_engine(url, statement_timeout_ms=0)
            try:
                upgrade(engine)
                seconds = load(engine, n)
                return {"backend": backend, "rows": n, "load_s": seconds, **measure(engine)}
            finally:
                engine.dispose()
    keep = os.environ.get("BENCH_SQLITE_PATH")  # reuse a loaded database between runs (loading takes minutes)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(keep) if keep else Path(tmp) / "scale.db"
        fresh = not path.exists()
        engine = make_engine(f"sqlite:///{path}")
        try:
            seconds = float("nan")
            upgrade(engine)  # a reused database gets the indexes of newer migrations
            if fresh:
                seconds = load(engine, n)
            else:
                with engine.begin() as conn:
                    conn.exec_driver_sql("ANALYZE")  # statistics for any index just created
            return {"backend": backend, "rows": n, "load_s": seconds, **measure(engine)}
        finally:
            engine.dispose()


def write_doc(results: list[dict[str, object]]) -> None:
    lines = ["## Scale: reminder sweep and weekly digest (`python -m bench.scale`)", "",
             "Synthetic year: tickets spread over 52 weeks, one approval step each, ~1 % still pending (80 % of "
             "those already reminded once). Sweep = the two index range scans picking ≤ 100 due steps "
             "(`bot.approvals.reminders.due_batch`, 200 runs); digest = `bot.digest.numbers.compute` for the last "
             "week (3 runs). Budgets: sweep ≤ 5 ms per 100 due rows, digest ≤ 2 s (2 cores).", "",
             "| backend | tickets + steps | bulk load | sweep batch median / p95 | due rows per batch "
             "| digest median / max |",
             "|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['backend']} | {r['rows']:,} + {r['rows']:,} | {r['load_s']:.0f} s | "
                     f"{r['sweep_ms_median']:.2f} / {r['sweep_ms_p95']:.2f} ms | {r['due_rows_per_batch']} | "
                     f"{r['digest_s_median']:.2f} / {r['digest_s_max']:.2f} s |")
    lines += ["", f"Measured {datetime.now(UTC):%Y-%m-%d} on this repository's CI-class machine (2 cores)."]
    write_block(BEGIN, END, lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--write-doc", action="store_true")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    results = []
    for backend in backends:
        result = run_backend(backend, args.rows)
        print(json.dumps(result, default=str), flush=True)
        results.append(result)
    if args.write_doc:
        write_doc(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

