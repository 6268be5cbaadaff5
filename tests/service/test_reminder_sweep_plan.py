"""The reminder sweep's two queries are index range scans on both backends (EXPLAIN), so a batch stays
cheap however many approval steps the table holds (bench/scale.py measures it on 1,000,000)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from bot.approvals.reminders import sweep_queries
from models import ApprovalStep, Ticket

INDEX = "ix_approval_steps_reminder_sweep"
NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def plan(session, query) -> str:
    compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(text(f"EXPLAIN {compiled}")).all()
        return "\n".join(r[0] for r in rows)
    rows = session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    return "\n".join(str(r[-1]) for r in rows)


def seed(session, n: int = 4000) -> None:
    """A table shaped like production: mostly decided steps, the pending ones mostly reminded already, so
    the planner's statistics see (status, next_reminder_at, due_at) as the selective index it is."""
    ticket = Ticket(number="FIN-0001", department="finance", seq=1, request_type="expense", title="t", fields={},
                    requester_id="U1", created_at=NOW, updated_at=NOW)
    session.add(ticket)
    session.flush()
    rows = []
    for i in range(n):
        pending = i % 10 == 0
        rows.append({"ticket_id": ticket.id, "round": 1 + i // 50, "position": 1 + i % 50, "rule": "r",
                     "approvers": ["U2"], "status": "pending" if pending else "approved", "version": 1,
                     "requested_at": NOW - timedelta(days=10), "due_at": NOW - timedelta(hours=i % 500),
                     "next_reminder_at": NOW + timedelta(hours=1) if pending and i % 100 else None,
                     "fields_to_fix": [], "reminder_count": 1 if pending and i % 100 else 0, "created_at": NOW})
    session.execute(insert(ApprovalStep), rows)
    session.execute(text("ANALYZE approval_steps" if session.get_bind().dialect.name == "postgresql" else "ANALYZE"))


def test_both_sweep_queries_use_the_sweep_index(session):
    postgres = session.get_bind().dialect.name == "postgresql"
    seed(session)
    for query in sweep_queries(NOW, 100, postgres=postgres):
        shown = plan(session, query)
        assert INDEX in shown, shown
        if not postgres:
            assert "USING INDEX" in shown and "TEMP B-TREE" not in shown, shown  # no sort: index order
