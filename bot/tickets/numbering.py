"""Ticket numbers per department (FIN-0042): a counter row incremented in the ticket's transaction.

The UPDATE takes the row lock, so concurrent submissions to one department queue on it and numbers
never repeat; a submission rolled back gives its number back."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.config.departments import Department
from models import DepartmentCounter
from models.db import insert_ignore


def next_number(session: Session, department: Department) -> tuple[int, str]:
    insert_ignore(session, DepartmentCounter, {"department": department.key, "last_seq": 0})
    seq = session.execute(
        update(DepartmentCounter)
        .where(DepartmentCounter.department == department.key)
        .values(last_seq=DepartmentCounter.last_seq + 1)
        .returning(DepartmentCounter.last_seq)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return seq, f"{department.ticket_prefix}-{seq:04d}"
