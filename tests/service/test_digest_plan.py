"""The digest's queries are index range scans on their covering indexes (EXPLAIN, both backends), so
the weekly digest reads only the chart's weeks however many tickets the table holds (bench/scale.py
measures it on 1,000,000; there, with the department leading the GROUP BY, SQLite's statistics made it
walk the whole (department, seq) index instead — a 5,000-row table does not reproduce that choice, so
the bench is what guards it)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, insert, text

from bot.calendar import BusinessCalendar
from bot.config import load_workspace
from bot.digest.numbers import compute
from bot.settings import BUNDLED_CONFIG
from models import ApprovalStep, Ticket

NOW = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # Monday 09:00 in Tokyo
DEPARTMENTS = ("finance", "hr", "general_affairs", "legal", "it")


def seed(session, n: int = 5000) -> None:
    """A year of tickets, most of them long resolved, like production (and like bench/scale.py)."""
    rng = random.Random(5)
    tickets, steps = [], []
    for i in range(1, n + 1):
        created = NOW - timedelta(seconds=rng.randrange(365 * 86400))
        done = rng.random() < 0.95 and created < NOW - timedelta(days=3)
        tickets.append({"id": i, "number": f"X{i:05d}", "department": DEPARTMENTS[i % 5], "seq": i,
                        "request_type": "expense", "title": "t", "fields": {}, "requester_id": "U1",
                        "status": "resolved" if done else "in_progress", "created_at": created,
                        "updated_at": created, "first_responded_at": created + timedelta(hours=2),
                        "resolved_at": created + timedelta(hours=30) if done else None})
        steps.append({"ticket_id": i, "round": 1, "position": 1, "rule": "r", "approvers": ["U2"],
                      "status": "approved", "version": 1, "requested_at": created,
                      "due_at": created + timedelta(hours=8), "decided_at": created + timedelta(hours=3),
                      "fields_to_fix": [], "created_at": created})
    session.execute(insert(Ticket), tickets)
    session.execute(insert(ApprovalStep), steps)
    postgres = session.get_bind().dialect.name == "postgresql"
    session.execute(text("ANALYZE tickets" if postgres else "ANALYZE"))
    if postgres:
        session.execute(text("ANALYZE approval_steps"))


def digest_statements(session) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []
    connection = session.connection()

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", capture)
    try:
        config = load_workspace(BUNDLED_CONFIG)
        compute(session, config, BusinessCalendar(config.calendar), NOW)
    finally:
        event.remove(connection, "before_cursor_execute", capture)
    return seen


def plan(session, statement: str, parameters: object) -> str:
    connection = session.connection()
    if session.get_bind().dialect.name == "postgresql":
        rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
        return "\n".join(r[0] for r in rows)
    rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    return "\n".join(str(r[-1]) for r in rows)


@pytest.mark.parametrize(("column", "index"), [
    ("WHERE tickets.created_at >=", "ix_tickets_created_at_covering"),  # new per week; evidence
    ("WHERE tickets.resolved_at >=", "ix_tickets_resolved_at_covering"),  # resolved, backlog, resolution hours
    ("WHERE tickets.first_responded_at >=", "ix_tickets_first_responded_at_covering"),
    ("WHERE approval_steps.decided_at >=", "ix_approval_steps_decided_at_covering"),
])
def test_each_weekly_query_is_a_range_scan_of_its_covering_index(session, column, index):
    postgres = session.get_bind().dialect.name == "postgresql"
    seed(session)
    if postgres:
        # A 5,000-row table is cheap to read whole; what matters is that the index can serve the query.
        session.execute(text("SET LOCAL enable_seqscan = off"))
    # (The evidence join may rightly start from the few sent-back steps instead.)
    statements = [(s, p) for s, p in digest_statements(session) if column in " ".join(s.split()) and " JOIN " not in s]
    assert statements, f"the digest no longer runs a query with {column!r}"
    for statement, parameters in statements:
        shown = plan(session, statement, parameters)
        assert index in shown, shown
        if not postgres:  # (PostgreSQL picks index-only or bitmap scans by its visibility map)
            assert "USING COVERING INDEX" in shown and "SCAN tickets" not in shown, shown
