"""Ticket numbers per department (FIN-0042): unique and increasing, from a counter row per department.

On PostgreSQL the number is taken in a short transaction of its own, like a sequence, so the counter row is
locked for that one statement. Taken in the submission's transaction, the lock lasted until the submission
committed (approval chain, DMs, audit), and a burst of requests to one desk queued behind each other's whole
submission until some passed the request's database deadline (seen in the month soak). The price is that a
submission failing after it took its number leaves that number unused: numbers may skip, never repeat.
On SQLite, with one writer at a time, a second submission waits for the first one's whole transaction anyway:
the number is taken in the submission's transaction and goes back with it on a rollback."""

from __future__ import annotations

from sqlalchemy import Connection, update
from sqlalchemy.orm import Session

from bot.config.departments import Department
from models import DepartmentCounter
from models.db import insert_ignore


def next_number(session: Session, department: Department) -> tuple[int, str]:
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        engine = bind.engine if isinstance(bind, Connection) else bind
        with Session(engine) as own, own.begin():
            seq = _increment(own, department.key)
    else:
        seq = _increment(session, department.key)
    return seq, f"{department.ticket_prefix}-{seq:04d}"


def _increment(session: Session, key: str) -> int:
    statement = (update(DepartmentCounter).where(DepartmentCounter.department == key)
                 .values(last_seq=DepartmentCounter.last_seq + 1).returning(DepartmentCounter.last_seq)
                 .execution_options(synchronize_session=False))
    seq = session.execute(statement).scalar()
    if seq is None:  # the department's first ticket
        insert_ignore(session, DepartmentCounter, {"department": key, "last_seq": 0})
        seq = session.execute(statement).scalar_one()
    return seq
