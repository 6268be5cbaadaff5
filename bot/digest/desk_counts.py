"""New, resolved and backlog per department and week, counted by the database.

At a million tickets a week holds ~19,000 of them; loading the chart's 8 weeks into Python took
seconds. Here every count is a GROUP BY over an index range scan (`created_at`, `resolved_at`,
`closed_at` ≥ the chart's first Monday), each row placed in its week by a CASE over the week
boundaries — explicit instants, so local Mondays (and DST, where a zone has it) are the calendar's,
and the SQL is the same on SQLite and PostgreSQL. What comes back is a few hundred small rows. The
week bucket leads each GROUP BY: led by department, SQLite would rather walk a whole department-ordered
index (all tickets ever) to skip a sort than range-scan the week's covering index.

Backlog at an instant b (tickets open then) = open now − opened since b and still open
+ finished since b but opened before it; "finished" = status resolved/closed/rejected/withdrawn
with resolved_at (or, without one, closed_at) as its time. Only rows since the chart's start matter
for b inside the chart, which is why the range scans suffice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from bot.ticket_states import CLOSED, REJECTED, RESOLVED, STATUSES, WITHDRAWN
from models import Ticket

DONE = (RESOLVED, CLOSED, REJECTED, WITHDRAWN)
OPEN = tuple(s for s in STATUSES if s not in DONE)
BEFORE = -1  # bucket of an instant before the grid's first boundary


def week_bucket(column: ColumnElement[datetime], bounds: Sequence[datetime], *, before: bool = False
                ) -> ColumnElement[int]:
    """The index i with bounds[i] <= column < bounds[i+1]; len(bounds)-1 from the last bound on;
    BEFORE under the first one (only asked for when the query does not already exclude it)."""
    whens: list[tuple[ColumnElement[bool], int]] = [(column < bounds[0], BEFORE)] if before else []
    whens += [(column < b, i) for i, b in enumerate(bounds[1:])]
    return case(*whens, else_=len(bounds) - 1)


@dataclass
class DeskCounts:
    """Counts over the week grid `bounds` (b0 < b1 < … < bn): week k is [b_k, b_k+1)."""

    bounds: list[datetime]
    open_now: dict[str | None, int]  # None: all departments
    # (department, bucket of created_at, finished?) → n, for created_at >= b0
    created: dict[tuple[str, int, bool], int] = field(default_factory=dict)
    # (department, bucket of the finish time, bucket of created_at) → n, finished tickets only
    finished: dict[tuple[str, int, int], int] = field(default_factory=dict)
    # (department, bucket of resolved_at) → n, whatever the status now
    resolved_in: dict[tuple[str, int], int] = field(default_factory=dict)

    def _match(self, dept: str | None, key_dept: str) -> bool:
        return dept is None or dept == key_dept

    def new(self, dept: str | None, week: int) -> int:
        return sum(n for (d, k, _), n in self.created.items() if k == week and self._match(dept, d))

    def resolved(self, dept: str | None, week: int) -> int:
        return sum(n for (d, k), n in self.resolved_in.items() if k == week and self._match(dept, d))

    def backlog_at(self, dept: str | None, boundary: int) -> int:
        """Tickets open at bounds[boundary] (1 ≤ boundary ≤ n)."""
        opened_since = sum(n for (d, k, done), n in self.created.items()
                           if not done and k >= boundary and self._match(dept, d))
        finished_since_opened_before = sum(n for (d, k, c), n in self.finished.items()
                                           if k >= boundary and c < boundary and self._match(dept, d))
        return self.open_now.get(dept, 0) - opened_since + finished_since_opened_before


def count(session: Session, bounds: list[datetime], departments: Sequence[str]) -> DeskCounts:
    counts = DeskCounts(bounds, _open_now(session, departments))
    first = bounds[0]
    done = Ticket.status.in_(DONE)
    finished_flag = case((done, 1), else_=0)

    created = week_bucket(Ticket.created_at, bounds)
    for dept, k, finished, n in session.execute(
            select(Ticket.department, created, finished_flag, func.count())
            .where(Ticket.created_at >= first).group_by(created, Ticket.department, finished_flag)):
        counts.created[(dept, int(k), bool(finished))] = int(n)

    created_any = week_bucket(Ticket.created_at, bounds, before=True)
    resolved = week_bucket(Ticket.resolved_at, bounds)
    for dept, k, c, finished, n in session.execute(
            select(Ticket.department, resolved, created_any, finished_flag, func.count())
            .where(Ticket.resolved_at >= first)
            .group_by(resolved, created_any, Ticket.department, finished_flag)):
        counts.resolved_in[(dept, int(k))] = counts.resolved_in.get((dept, int(k)), 0) + int(n)
        if finished:
            _add(counts.finished, (dept, int(k), int(c)), int(n))

    # Finished without resolved_at (rejected, withdrawn, closed unresolved): closed_at is its time.
    closed = week_bucket(Ticket.closed_at, bounds)
    for dept, k, c, n in session.execute(
            select(Ticket.department, closed, created_any, func.count())
            .where(Ticket.closed_at >= first, Ticket.resolved_at.is_(None), done)
            .group_by(closed, created_any, Ticket.department)):
        _add(counts.finished, (dept, int(k), int(c)), int(n))
    return counts


def _add(into: dict[tuple[str, int, int], int], key: tuple[str, int, int], n: int) -> None:
    into[key] = into.get(key, 0) + n


def _open_now(session: Session, departments: Sequence[str]) -> dict[str | None, int]:
    """Open tickets now: one (department, status) index lookup per department, and the total from
    the status-leading index (so departments no longer in the config still count in the total)."""
    counts: dict[str | None, int] = defaultdict(int)
    for dept in departments:
        counts[dept] = session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.department == dept, Ticket.status.in_(OPEN))) or 0
    counts[None] = session.scalar(select(func.count()).select_from(Ticket).where(Ticket.status.in_(OPEN))) or 0
    return dict(counts)
