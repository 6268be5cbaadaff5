"""The digest's numbers for one week (local Monday 00:00 to the next), compared with the week before.

Definitions (also in docs/DIGEST.md):
- new: tickets created in the week; resolved: tickets with resolved_at in the week;
- backlog: tickets open at the end of the week (created before it, not resolved/closed/rejected/withdrawn
  before it), from the open count now corrected by what changed since — counted in SQL
  (bot/digest/desk_counts.py), so no ticket row is loaded for new/resolved/backlog;
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
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.approvals import after_the_fact
from bot.approvals.steps import APPROVED, PENDING, REJECTED, SENT_BACK, SKIPPED
from bot.digest import desk_counts
from bot.digest.epoch import epoch
from bot.digest.hours import BusinessHours
from bot.faqdesk import privacy
from bot.faqdesk import stats as faq_stats
from models import ApprovalStep, Ticket

if TYPE_CHECKING:
    from bot.calendar import BusinessCalendar
    from bot.config import WorkspaceConfig

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
    top_unanswered: list[tuple[str, int]]  # (phrasing, different askers): only what a channel may see
    evidence: EvidenceNumbers
    evidence_last: EvidenceNumbers
    satisfaction: Satisfaction
    satisfaction_last: Satisfaction
    weeks: list[WeekPoint] = field(default_factory=list)
    unanswered_withheld: int = 0  # unanswered questions not listed (too few askers, or confidential)
    # 事後稟議: requests approved this week after their deal's day, per department
    # (bot/approvals/after_the_fact.py)
    after_the_fact: dict[str, int] = field(default_factory=dict)

    @property
    def has_tickets(self) -> bool:
        """Anything for the chart: a ticket new, resolved or open in one of its weeks."""
        return any(w.new or w.resolved or w.backlog for w in self.weeks)

    @property
    def is_empty(self) -> bool:
        """Nothing to report yet (a fresh install): no tickets in the charted weeks, no approval decided or
        stalled, no FAQ question in the two weeks compared."""
        return not (self.has_tickets or self.approvals.decided or self.approvals_last.decided or self.stalled
                    or self.faq.asked or self.faq_last.asked)

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

def compute(session: Session, config: WorkspaceConfig, calendar: BusinessCalendar, now: datetime) -> Digest:
    start, end = week_bounds(calendar, now)
    last_start = start - timedelta(days=7)
    chart_start = end - timedelta(days=7 * CHART_WEEKS)
    # Week k of the grid is [bounds[k], bounds[k+1]); the last two weeks are "last" and "this".
    bounds = [chart_start + timedelta(days=7 * i) for i in range(CHART_WEEKS + 1)]
    this_week, last_week = CHART_WEEKS - 1, CHART_WEEKS - 2
    counts = desk_counts.count(session, bounds, [d.key for d in config.departments])
    hours = BusinessHours(calendar)
    # Per-ticket times only for the two compared weeks: the percentiles need every value.
    split = start.timestamp()
    first = _by_week(_first_responses(session, hours, last_start, end), split)
    finished = _resolutions(session, hours, last_start, end)
    resolution = _by_week([(d, at, h) for d, at, h, _ in finished], split)

    def desk(dept: str | None, week: int) -> DeskWeek:
        which = int(week == this_week)
        return DeskWeek(
            new=counts.new(dept, week), resolved=counts.resolved(dept, week),
            backlog=counts.backlog_at(dept, week + 1),
            first_response=spread(first.get((dept, which), [])), resolution=spread(resolution.get((dept, which), [])))

    departments = [DepartmentNumbers(d.key, desk(d.key, this_week), desk(d.key, last_week))
                   for d in config.departments]
    total = DepartmentNumbers("*", desk(None, this_week), desk(None, last_week))
    confidential_words = privacy.confidential_words(config)
    unanswered = faq_stats.shareable_unanswered(
        session, start, end, min_askers=config.digest.unanswered_min_askers, limit=5,
        private=lambda text: privacy.covered(text, confidential_words))
    weeks = [WeekPoint(bounds[k].astimezone(calendar.tz).date(), counts.new(None, k), counts.resolved(None, k),
                       counts.backlog_at(None, k + 1)) for k in range(CHART_WEEKS)]
    return Digest(
        week_start=start.date(), week_end=(end - timedelta(days=1)).date(), departments=departments, total=total,
        approvals=_approvals(session, hours, start, end),
        approvals_last=_approvals(session, hours, last_start, start),
        stalled=_stalled(session, calendar, now),
        faq=faq_stats.numbers(session, start, end), faq_last=faq_stats.numbers(session, last_start, start),
        top_unanswered=unanswered.top, unanswered_withheld=unanswered.withheld,
        evidence=_evidence(session, config, start, end), evidence_last=_evidence(session, config, last_start, start),
        satisfaction=_satisfaction(finished, split, end.timestamp()),
        satisfaction_last=_satisfaction(finished, last_start.timestamp(), split),
        weeks=weeks,
        after_the_fact=after_the_fact.per_department(session, start, end),
    )


def _by_week(rows: list[tuple[str, float, float]], split: float) -> dict[tuple[str | None, int], list[float]]:
    """Hours grouped by (department, 0 = last week / 1 = this week), and by (None, week) for the total."""
    grouped: dict[tuple[str | None, int], list[float]] = {}
    for dept, at, value in rows:
        week = int(at >= split)
        grouped.setdefault((dept, week), []).append(value)
        grouped.setdefault((None, week), []).append(value)
    return grouped


def _first_responses(session: Session, hours: BusinessHours, start: datetime, end: datetime
                     ) -> list[tuple[str, float, float]]:
    """(department, first response as epoch, business hours since creation) for first responses in [start, end)."""
    rows = session.execute(
        select(Ticket.department, epoch(Ticket.created_at), epoch(Ticket.first_responded_at))
        .where(Ticket.first_responded_at >= start, Ticket.first_responded_at < end))
    return [(dept, at, hours.between_epochs(created, at)) for dept, created, at in rows]


def _resolutions(session: Session, hours: BusinessHours, start: datetime, end: datetime
                 ) -> list[tuple[str, float, float, int | None]]:
    """(department, resolved_at as epoch, business hours since creation, rating) for resolutions in [start, end)."""
    rows = session.execute(
        select(Ticket.department, epoch(Ticket.created_at), epoch(Ticket.resolved_at), Ticket.satisfaction)
        .where(Ticket.resolved_at >= start, Ticket.resolved_at < end))
    return [(dept, at, hours.between_epochs(created, at), rating) for dept, created, at, rating in rows]


def _approvals(session: Session, hours: BusinessHours, start: datetime, end: datetime) -> ApprovalNumbers:
    decided = session.execute(
        select(ApprovalStep.status, epoch(ApprovalStep.requested_at), epoch(ApprovalStep.decided_at))
        .where(ApprovalStep.decided_at >= start, ApprovalStep.decided_at < end,
               ApprovalStep.status.in_((APPROVED, SENT_BACK, REJECTED)))).all()
    outcomes = Counter(status for status, _, _ in decided)
    leads = [hours.between_epochs(req, dec) for _, req, dec in decided if req is not None]
    breaches = session.scalar(
        select(func.count()).select_from(ApprovalStep)
        .where(ApprovalStep.status.in_((PENDING, APPROVED, SENT_BACK, REJECTED, SKIPPED)),
               ApprovalStep.due_at >= start, ApprovalStep.due_at < end,
               or_(ApprovalStep.decided_at.is_(None), ApprovalStep.decided_at > ApprovalStep.due_at))) or 0
    return ApprovalNumbers(decided=len(decided), approved=outcomes[APPROVED], sent_back=outcomes[SENT_BACK],
                           rejected=outcomes[REJECTED], lead_time=spread(leads), sla_breaches=int(breaches))


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
    # A rule's evidence is any of its fields: the receipt file, or the link given instead of it.
    evidence_fields = {rt.key: {key for rule in rt.evidence for key in (rule.field, *rule.alternatives)}
                       for rt in config.request_types if rt.evidence}
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

def _satisfaction(finished: list[tuple[str, float, float, int | None]], start: float, end: float) -> Satisfaction:
    ratings = [rating for _, at, _, rating in finished if rating is not None and start <= at < end]
    return Satisfaction(len(ratings), statistics.fmean(ratings) if ratings else None)

