"""Lookups that run on every card render or App Home publish are answered from an index on both backends.

Without one they read the whole table each time, and their cost grew with the month (the soak saw the
outbox, ~10,000 rows a day at 1,000 people, scanned thousands of times a day). Each case calls the real
function, captures the SQL it sends, and asks the database for the plan: on PostgreSQL with sequential
scans disabled, so a Seq Scan in the plan means no index could serve it; on SQLite, a full `SCAN`."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.approvals.notify import _copies
from bot.approvals.steps import has_decided, pending_for
from bot.tickets.store import children, posted
from models import ApprovalStep, OutboxMessage, Ticket

NOW = datetime(2026, 12, 14, 1, 0, tzinfo=UTC)
_SEQ = itertools.count(1)


def _ticket(session: Session) -> Ticket:
    seq = next(_SEQ)
    ticket = Ticket(number=f"GA-{seq:04d}", department="general_affairs", seq=seq, request_type="supplies", title="t",
                    fields={}, requester_id="UREQ00001", created_at=NOW, updated_at=NOW)
    session.add(ticket)
    session.flush()
    return ticket


def _step(session: Session) -> ApprovalStep:
    step = ApprovalStep(ticket_id=_ticket(session).id, round=1, position=1, rule="r", approvers=["UMGR00001"],
                        status="pending", version=1, requested_at=NOW, created_at=NOW)
    session.add(step)
    session.add_all(OutboxMessage(method="chat.postMessage", lane=f"D{i}", payload={}, ref=ref, next_attempt_at=NOW,
                                  created_at=NOW)
                    for i, ref in enumerate([f"approval:{1000 + i}:U{i}" for i in range(3)]))
    session.flush()
    return step


CASES: dict[str, tuple[str, Callable[[Session], Any]]] = {
    "has this card been posted (outbox by ref)": ("outbox", lambda s: posted(s, "ticket:1:card")),
    "an approval step's copies (outbox by ref prefix)": ("outbox", lambda s: _copies(s, _step(s))),
    "a ticket's follow-ups (tickets by parent)": ("tickets", lambda s: children(s, _ticket(s))),
    "has this person ever decided (steps by decider)": ("approval_steps", lambda s: has_decided(s, "UMGR00001")),
}


def _plans(session: Session, table: str, run: Callable[[Session], Any]) -> list[str]:
    connection = session.connection()
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and f"FROM {table}" in statement:
            seen.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", capture)
    try:
        run(session)
    finally:
        event.remove(connection, "before_cursor_execute", capture)
    assert seen, f"the function sent no SELECT on {table}"
    postgres = connection.dialect.name == "postgresql"
    plans = []
    for statement, parameters in seen:
        if postgres:
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
            plans.append("\n".join(r[0] for r in rows))
        else:
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            plans.append("\n".join(str(r[-1]) for r in rows))
    return plans


@pytest.mark.parametrize("case", list(CASES))
def test_the_lookup_reads_an_index_not_the_whole_table(session: Session, case: str) -> None:
    table, run = CASES[case]
    for plan in _plans(session, table, run):
        # SQLite's "SCAN t USING COVERING INDEX" reads the whole index: a full scan too.
        assert f"Seq Scan on {table}" not in plan and f"SCAN {table}" not in plan, plan


def test_the_prefix_match_finds_exactly_the_steps_copies(session: Session) -> None:
    step = _step(session)
    others = [f"approval:{step.id}0:U1", f"approval:{step.id}", f"approval:{step.id};U2", f"approval:{step.id}:"[:-1]]
    mine = [f"approval:{step.id}:UMGR00001", f"approval:{step.id}:UDELEGATE"]
    session.add_all(OutboxMessage(method="chat.postMessage", lane="D1", payload={}, ref=ref, next_attempt_at=NOW,
                                  created_at=NOW) for ref in [*others, *mine])
    session.flush()
    assert _copies(session, step) == sorted((ref, ref.rsplit(":", 1)[1]) for ref in mine)


def test_the_steps_waiting_for_a_person_are_exactly_those_naming_them(session: Session) -> None:
    """pending_for narrows in SQL by the id's text; an id that is a prefix of another's, or one whose
    characters are LIKE wildcards, must not bring in someone else's step, and a decided step stays out."""
    def step(approvers: list[str], status: str = "pending") -> ApprovalStep:
        row = ApprovalStep(ticket_id=_ticket(session).id, round=1, position=1, rule="r", approvers=approvers,
                           status=status, version=1, requested_at=NOW, created_at=NOW)
        session.add(row)
        session.flush()
        return row

    mine = [step(["UMGR00001"]), step(["UOTHER001", "UMGR00001"])]
    step(["UMGR000012"]), step(["XUMGR00001"]), step(["UMGR0000_"]), step(["UMGR00001"], status="approved")
    wildcard = step(["U%"])

    assert pending_for(session, ["UMGR00001"]) == mine
    assert pending_for(session, ["U%"]) == [wildcard]
    assert pending_for(session, ["UMGR00001", "U%"]) == [*mine, wildcard]
    assert pending_for(session, []) == []
