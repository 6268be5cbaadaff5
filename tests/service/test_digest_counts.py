"""The digest's SQL counts against counting every ticket by hand.

The digest counts new/resolved/backlog with GROUP BY in the database and loads per-ticket times only
for the two compared weeks (bot/digest/desk_counts.py). Here random tickets — created before the chart
began or after the digest week ended, finished through resolved_at or only closed_at, finished with no
time at all, reopened, in a department the config no longer has — are counted the slow, obvious way
in Python from the definitions, and every number must agree, per department and in total."""

from __future__ import annotations

import random
import statistics
from datetime import datetime, timedelta

import pytest

from bot.calendar import BusinessCalendar
from bot.config import load_workspace
from bot.digest.numbers import CHART_WEEKS, Spread, compute, spread, week_bounds
from bot.settings import BUNDLED_CONFIG
from models import Ticket
from tests.service.reminders_fixtures import jst

POSTED_AT = jst(2026, 11, 30, 9, 0)
DONE = ("resolved", "closed", "rejected", "withdrawn")
OPEN = ("submitted", "pending_approval", "approved", "sent_back", "in_progress", "on_hold")
RETIRED_DEPARTMENT = "facilities"  # tickets from before a department was removed from the config


def random_tickets(rng: random.Random, departments: list[str], n: int) -> list[Ticket]:
    tickets = []
    earliest = POSTED_AT - timedelta(weeks=CHART_WEEKS + 4)
    span = int((POSTED_AT - earliest).total_seconds())
    for i in range(n):
        created = earliest + timedelta(seconds=rng.randrange(span))
        status = rng.choice(DONE + OPEN)
        later = [created + timedelta(hours=rng.uniform(0.1, 24 * 30)) for _ in range(3)]
        first = later[0] if rng.random() < 0.7 else None
        resolved = closed = None
        if status == "resolved" or (status == "closed" and rng.random() < 0.5):
            resolved = later[1]
            closed = max(later[1], later[2]) if status == "closed" else None
        elif status in ("closed", "rejected", "withdrawn"):
            closed = later[2] if rng.random() < 0.9 else None  # a few finished with no time recorded
        elif rng.random() < 0.1:
            resolved = later[1]  # resolved once, then reopened: open again, resolved_at kept
        dept = RETIRED_DEPARTMENT if i % 50 == 0 else rng.choice(departments)
        tickets.append(Ticket(
            number=f"R-{i:05d}", department=dept, seq=i + 1, request_type="inquiry", title=f"t{i}", fields={},
            requester_id="UEMPLOYEE1", status=status, created_at=created, updated_at=created,
            first_responded_at=first, resolved_at=resolved, closed_at=closed,
            satisfaction=rng.choice((None, 1, 2, 3, 4, 5)) if resolved else None))
    return tickets


def open_at(t: Ticket, at: datetime) -> bool:
    if t.created_at >= at:
        return False
    if t.status not in DONE:
        return True
    done_at = t.resolved_at or t.closed_at
    return done_at is not None and done_at >= at  # finished with no time: never counted open


def by_hand(tickets: list[Ticket], calendar: BusinessCalendar, dept: str | None, a: datetime, b: datetime) -> dict:
    mine = [t for t in tickets if dept is None or t.department == dept]
    first = [calendar.business_hours_between(t.created_at, t.first_responded_at) for t in mine
             if t.first_responded_at is not None and a <= t.first_responded_at < b]
    resolution = [calendar.business_hours_between(t.created_at, t.resolved_at) for t in mine
                  if t.resolved_at is not None and a <= t.resolved_at < b]
    return {"new": sum(1 for t in mine if a <= t.created_at < b), "resolved": len(resolution),
            "backlog": sum(1 for t in mine if open_at(t, b)), "first_response": rounded(spread(first)),
            "resolution": rounded(spread(resolution))}


def rounded(s: Spread) -> Spread:
    # The digest sums cumulative business seconds per day, the calendar walks the days: equal to µs.
    return Spread(s.n, None if s.median is None else round(s.median, 6), None if s.p90 is None else round(s.p90, 6))


def as_numbers(week) -> dict:
    return {"new": week.new, "resolved": week.resolved, "backlog": week.backlog,
            "first_response": rounded(week.first_response), "resolution": rounded(week.resolution)}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sql_counts_equal_counting_every_ticket_by_hand(session, seed):
    config = load_workspace(BUNDLED_CONFIG)
    calendar = BusinessCalendar(config.calendar)
    departments = [d.key for d in config.departments]
    tickets = random_tickets(random.Random(seed), departments, 400)
    session.add_all(tickets)
    session.flush()

    d = compute(session, config, calendar, POSTED_AT)

    start, end = week_bounds(calendar, POSTED_AT)
    last_start = start - timedelta(days=7)
    for numbers in d.departments:
        assert as_numbers(numbers.this) == by_hand(tickets, calendar, numbers.key, start, end), numbers.key
        assert as_numbers(numbers.last) == by_hand(tickets, calendar, numbers.key, last_start, start), numbers.key
    assert as_numbers(d.total.this) == by_hand(tickets, calendar, None, start, end)
    assert as_numbers(d.total.last) == by_hand(tickets, calendar, None, last_start, start)

    chart_start = end - timedelta(weeks=CHART_WEEKS)
    expected_weeks = []
    for k in range(CHART_WEEKS):
        a, b = chart_start + timedelta(weeks=k), chart_start + timedelta(weeks=k + 1)
        hand = by_hand(tickets, calendar, None, a, b)
        expected_weeks.append((a.date(), hand["new"], hand["resolved"], hand["backlog"]))
    assert [(w.start, w.new, w.resolved, w.backlog) for w in d.weeks] == expected_weeks

    ratings = [t.satisfaction for t in tickets
               if t.satisfaction is not None and t.resolved_at is not None and start <= t.resolved_at < end]
    assert (d.satisfaction.n, d.satisfaction.mean) == (len(ratings), statistics.fmean(ratings) if ratings else None)
