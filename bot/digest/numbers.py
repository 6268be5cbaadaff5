"""The digest's numbers for one week (local Monday 00:00 to the next), compared with the week before.

Definitions (also in docs/DIGEST.md):
- new: tickets created in the week; resolved: tickets with resolved_at in the week;
- backlog: tickets open at the end of the week (created before it, not resolved/closed/rejected/withdrawn
  before it), from the open count now corrected by what changed since — so only recent rows are read;
- first response / resolution: business hours from creation to first_responded_at / resolved_at, for
  tickets whose first response / resolution happened in the week; median and p90 (nearest rank);
- approvals: steps decided in the week; lead time = business hours requested → decided; send-back
  and rejection rates over decided steps; SLA breaches = steps whose due time fell in the week and
  were not decided by then;
- missing evidence: of the week's new tickets whose request type has evidence rules, the share sent
  back with an evidence field to fix;
- satisfaction: mean rating (1–5) of tickets resolved in the week.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.approvals.steps import APPROVED, PENDING, REJECTED, SENT_BACK, SKIPPED
from bot.digest.hours import BusinessHours
from bot.faqdesk import stats as faq_stats
from models import ApprovalStep, Ticket

if TYPE_CHECKING:
    from bot.calendar import BusinessCalendar
    from bot.config import WorkspaceConfig

DONE = ("resolved", "closed", "rejected", "withdrawn")
CHART_WEEKS = 8
STALLED_LIMIT = 5

@dataclass(frozen=True)
class Spread:
    n: int
    median: float | None
    p90: float | None

def spread(values: list[float]) -> Spread:
    if not values:
        return Spread(0, None, None)
    ordered = sorted(values)
    return Spread(len(ordered), statistics.median(ordered), ordered[math.ceil(0.9 * len(ordered)) - 1])

@dataclass
class DeskWeek:
    new: int = 0
    resolved: int = 0
    backlog: int = 0
    first_response: Spread = Spread(0, None, None)
    resolution: Spread = Spread(0, None, None)

@dataclass
class DepartmentNumbers:
    key: str
    this: DeskWeek
    last: DeskWeek

@dataclass
class ApprovalNumbers:
    decided: int
    approved: int
    sent_back: int
    rejected: int
    lead_time: Spread
    sla_breaches: int

    @property
    def send_back_rate(self) -> float | None:
        return self.sent_back / self.decided if self.decided else None

    @property
    def rejection_rate(self) -> float | None:
        return self.rejected / self.decided if self.decided else None

@dataclass(frozen=True)
class StalledItem:
    ticket_number: str
    request_type: str
    approvers: list[str]
    waiting_hours: float  # business hours since the step was requested
    reminders: int

@dataclass(frozen=True)
class EvidenceNumbers:
    required: int  # new tickets of types with evidence rules
    missing: int  # of those, sent back for an evidence field

    @property
    def rate(self) -> float | None:
        return self.missing / self.required if self.required else None

@dataclass(frozen=True)
class Satisfaction:
    n: int
    mean: float | None

@dataclass(frozen=True)
class WeekPoint:
    start: date
    new: int
    resolved: int
    backlog: int

@dataclass
class Digest:
    week_start: date  # local Monday
    week_end: date  # local Sunday (inclusive)
    departments: list[DepartmentNumbers]
    total: DepartmentNumbers
    approvals: ApprovalNumbers
    approvals_last: ApprovalNumbers
    stalled: list[StalledItem]
    faq: faq_stats.FaqNumbers
    faq_last: faq_stats.FaqNumbers
    top_unanswered: list[tuple[str, int]]
    evidence: EvidenceNumbers
    evidence_last: EvidenceNumbers
    satisfaction: Satisfaction
    satisfaction_last: Satisfaction
    weeks: list[WeekPoint] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        data = asdict(self)
        for key in ("approvals", "approvals_last"):
            numbers: ApprovalNumbers = getattr(self, key)
            data[key]["send_back_rate"] = numbers.send_back_rate
            data[key]["rejection_rate"] = numbers.rejection_rate
        for key in ("faq", "faq_last"):
            data[key]["self_resolution_rate"] = getattr(self, key).self_resolution_rate
        for key in ("evidence", "evidence_last"):
            data[key]["rate"] = getattr(self, key).rate
        return data

def week_bounds(calendar: BusinessCalendar, now: datetime) -> tuple[datetime, datetime]:
    """The last complete local week before `now`: [Monday 00:00, next Monday 00:00), aware."""
    today = now.astimezone(calendar.tz).date()
    monday = today - timedelta(days=today.weekday())
    end = datetime.combine(monday, datetime.min.time(), tzinfo=calendar.tz)
    start = datetime.combine(monday - timedelta(days=7), datetime.min.time(), tzinfo=calendar.tz)
    return start, end

@dataclass
class _Row:
    id: int
    department: str
    request_type: str
    status: str
    created_at: datetime
    first_responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    satisfaction: int | None

    @property
    def done_at(self) -> datetime | None:
        return self.resolved_at or self.closed_at

def _between(value: datetime | None, start: datetime, end: datetime) -> bool:
    return value is not None and start <= value < end

def compute(session: Session, config: WorkspaceConfig, calendar: BusinessCalendar, now: datetime) -> Digest:
    start, end = week_bounds(calendar, now)
    last_start = start - timedelta(days=7)
    chart_start = end - timedelta(days=7 * CHART_WEEKS)
    rows = _recent(session, min(chart_start, last_start))
    open_now = _open_now(session, config)
    hours = BusinessHours(calendar)
    by_dept: dict[str | None, list[_Row]] = {None: rows}
    for r in rows:
        by_dept.setdefault(r.department, []).append(r)
    first_hours = {r.id: hours.between(r.created_at, r.first_responded_at) for r in rows
                   if r.first_responded_at is not None and r.first_responded_at >= last_start}
    resolve_hours = {r.id: hours.between(r.created_at, r.resolved_at) for r in rows
                     if r.resolved_at is not None and r.resolved_at >= last_start}

    # Sorted instants per department, so each backlog point is a few bisections, not a pass over the rows.
    opened_open: dict[str | None, list[datetime]] = {}
    done_created: dict[str | None, list[datetime]] = {}
    done_at: dict[str | None, list[datetime]] = {}
    for dept, mine in by_dept.items():
        opened_open[dept] = sorted(r.created_at for r in mine if r.status not in DONE)
        finished = [r for r in mine if r.status in DONE and r.done_at is not None]
        done_created[dept] = sorted(r.created_at for r in finished)
        done_at[dept] = sorted(r.done_at for r in finished)  # type: ignore[misc]

    def backlog_at(at: datetime, dept: str | None) -> int:
        # open at `at` = open now − opened since `at` and still open + finished since `at` but opened before
        base = open_now.get(dept, 0) if dept else sum(open_now.values())
        opened_since = len(opened_open.get(dept, [])) - bisect_left(opened_open.get(dept, []), at)
        finished_since = len(done_at.get(dept, [])) - bisect_left(done_at.get(dept, []), at)
        opened_and_finished_since = len(done_created.get(dept, [])) - bisect_left(done_created.get(dept, []), at)
        return base - opened_since + finished_since - opened_and_finished_since

    created_sorted = {d: sorted(r.created_at for r in mine) for d, mine in by_dept.items()}
    resolved_sorted = {d: sorted(r.resolved_at for r in mine if r.resolved_at is not None)
                       for d, mine in by_dept.items()}
    # Only the two compared weeks need per-ticket times: pre-filter once instead of per call.
    responded = {d: [r for r in mine if r.id in first_hours] for d, mine in by_dept.items()}
    finished = {d: [r for r in mine if r.id in resolve_hours] for d, mine in by_dept.items()}

    def count(sorted_times: list[datetime], a: datetime, b: datetime) -> int:
        return bisect_left(sorted_times, b) - bisect_left(sorted_times, a)

    def desk(dept: str | None, a: datetime, b: datetime) -> DeskWeek:
        first = [first_hours[r.id] for r in responded.get(dept, []) if _between(r.first_responded_at, a, b)]
        resolution = [resolve_hours[r.id] for r in finished.get(dept, []) if _between(r.resolved_at, a, b)]
        return DeskWeek(new=count(created_sorted.get(dept, []), a, b), resolved=len(resolution),
                        backlog=backlog_at(b, dept), first_response=spread(first), resolution=spread(resolution))

    departments = [DepartmentNumbers(d.key, desk(d.key, start, end), desk(d.key, last_start, start))
                   for d in config.departments]
    total = DepartmentNumbers("*", desk(None, start, end), desk(None, last_start, start))
    weeks = []
    for i in range(CHART_WEEKS):
        a = chart_start + timedelta(days=7 * i)
        b = a + timedelta(days=7)
        weeks.append(WeekPoint(a.astimezone(calendar.tz).date(), count(created_sorted[None], a, b),
                               count(resolved_sorted[None], a, b), backlog_at(b, None)))
    return Digest(
        week_start=start.date(), week_end=(end - timedelta(days=1)).date(), departments=departments, total=total,
        approvals=_approvals(session, hours, start, end),
        approvals_last=_approvals(session, hours, last_start, start),
        stalled=_stalled(session, calendar, now),
        faq=faq_stats.numbers(session, start, end), faq_last=faq_stats.numbers(session, last_start, start),
        top_unanswered=faq_stats.top_unanswered(session, start, end, limit=5),
        evidence=_evidence(session, config, start, end), evidence_last=_evidence(session, config, last_start, start),
        satisfaction=_satisfaction(rows, start, end), satisfaction_last=_satisfaction(rows, last_start, start),
        weeks=weeks,
    )

def _recent(session: Session, since: datetime) -> list[_Row]:
    """Tickets created, resolved or closed since `since`: three index range scans, merged by id."""
    columns = (Ticket.id, Ticket.department, Ticket.request_type, Ticket.status, Ticket.created_at,
               Ticket.first_responded_at, Ticket.resolved_at, Ticket.closed_at, Ticket.satisfaction)
    found: dict[int, _Row] = {}
    for column in (Ticket.created_at, Ticket.resolved_at, Ticket.closed_at):
        for values in session.execute(select(*columns).where(column >= since)):
            if values[0] not in found:
                found[values[0]] = _Row(*values)
    return list(found.values())

def _open_now(session: Session, config: WorkspaceConfig) -> dict[str, int]:
    """Open tickets per department; one (department, status) index lookup per department."""
    open_statuses = [s for s in ("submitted", "pending_approval", "approved", "sent_back", "in_progress", "on_hold")]
    counts = {}
    for d in config.departments:
        counts[d.key] = session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.department == d.key, Ticket.status.in_(open_statuses))) or 0
    return counts

def _approvals(session: Session, hours: BusinessHours, start: datetime, end: datetime) -> ApprovalNumbers:
    decided = session.execute(
        select(ApprovalStep.status, ApprovalStep.requested_at, ApprovalStep.decided_at)
        .where(ApprovalStep.decided_at >= start, ApprovalStep.decided_at < end,
               ApprovalStep.status.in_((APPROVED, SENT_BACK, REJECTED)))).all()
    outcomes = Counter(status for status, _, _ in decided)
    leads = [hours.between(req, dec) for _, req, dec in decided if req is not None]
    due = session.execute(
        select(ApprovalStep.due_at, ApprovalStep.decided_at)
        .where(ApprovalStep.status.in_((PENDING, APPROVED, SENT_BACK, REJECTED, SKIPPED)),
               ApprovalStep.due_at >= start, ApprovalStep.due_at < end)).all()
    breaches = sum(1 for due_at, decided_at in due if decided_at is None or decided_at > due_at)
    return ApprovalNumbers(decided=len(decided), approved=outcomes[APPROVED], sent_back=outcomes[SENT_BACK],
                           rejected=outcomes[REJECTED], lead_time=spread(leads), sla_breaches=breaches)

def _stalled(session: Session, calendar: BusinessCalendar, now: datetime) -> list[StalledItem]:
    rows = session.execute(
        select(ApprovalStep.approvers, ApprovalStep.requested_at, ApprovalStep.reminder_count, Ticket.number,
               Ticket.request_type)
        .join(Ticket, Ticket.id == ApprovalStep.ticket_id)
        .where(ApprovalStep.status == PENDING, ApprovalStep.due_at <= now)
        .order_by(ApprovalStep.due_at).limit(STALLED_LIMIT)).all()
    return [StalledItem(number, rtype, list(approvers),
                        calendar.business_hours_between(requested, now) if requested else 0.0, reminders)
            for approvers, requested, reminders, number, rtype in rows]

def _evidence(session: Session, config: WorkspaceConfig, start: datetime, end: datetime) -> EvidenceNumbers:
    evidence_fields = {rt.key: {rule.field for rule in rt.evidence} for rt in config.request_types if rt.evidence}
    if not evidence_fields:
        return EvidenceNumbers(0, 0)
    required = session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.created_at >= start, Ticket.created_at < end, Ticket.request_type.in_(sorted(evidence_fields)))) or 0
    sent_back = session.execute(
        select(Ticket.id, Ticket.request_type, ApprovalStep.fields_to_fix)
        .join(ApprovalStep, ApprovalStep.ticket_id == Ticket.id)
        .where(Ticket.created_at >= start, Ticket.created_at < end, Ticket.request_type.in_(sorted(evidence_fields)),
               ApprovalStep.status == SENT_BACK)).all()
    missing = {tid for tid, rtype, fix in sent_back if evidence_fields[rtype] & set(fix or [])}
    return EvidenceNumbers(int(required), len(missing))

def _satisfaction(rows: list[_Row], start: datetime, end: datetime) -> Satisfaction:
    ratings = [r.satisfaction for r in rows if r.satisfaction is not None and _between(r.resolved_at, start, end)]
    return Satisfaction(len(ratings), statistics.fmean(ratings) if ratings else None)

def department_rows(digest: Digest) -> dict[str, DepartmentNumbers]:
    return {d.key: d for d in digest.departments}
