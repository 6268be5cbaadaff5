"""Reminders for pending approval steps past their SLA, bundled per approver, with escalation.

The sweep (run by the `reminders` job, in working hours only):

1. takes a batch of due steps with one index range scan each (`ix_approval_steps_reminder_sweep`):
   later reminders `status='pending' AND next_reminder_at <= now`, first reminders
   `status='pending' AND next_reminder_at IS NULL AND due_at <= now` — locked FOR UPDATE SKIP LOCKED
   on PostgreSQL so two replicas take different rows;
2. for every approver those steps wait on, gathers all their stalled steps, so one DM lists them
   all and every listed step's next reminder is pushed one interval (business hours) ahead — one
   DM per person per interval, not one per item;
3. a step reminded `escalate_after` times escalates instead: its approver's manager or the
   department admins are told (bundled per person), or in `skip` mode the step is skipped — in the
   audit trail, with the reason — and the next approver asked (never the last: a request is not
   approved by nobody; with no next approver, the department admins are told instead).

Each reminder and escalation is claimed in `reminder_log` before its message is enqueued, in one
transaction, so no reminder is ever sent twice. The budget per step: `escalate_after` reminders and
one escalation, then silence (next_reminder_at = NEVER) until someone decides.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from bot import audit, outbox
from bot.approvals import flow, notify, segregation
from bot.approvals.steps import PENDING, next_deciding
from bot.i18n import t
from bot.reminders import log
from bot.reminders.policy import Rules, approval_due, next_reminder, rules_for
from bot.reminders.views import EscalatedStep, StalledStep, approver_bundle, escalation_notice
from bot.tickets import notify as receipts
from bot.tickets.summary import ticket_title
from models import ApprovalStep, Ticket

if TYPE_CHECKING:
    from bot.services import Services

# "No further reminders": after the escalation a step stays quiet until decided. A far-future
# instant rather than NULL, because NULL means "not reminded yet" to the first-reminder scan.
NEVER = datetime(9999, 1, 1, tzinfo=UTC)
BATCH = 100
MAX_BATCHES = 50  # 5,000 steps per sweep; the next sweep (minutes later) takes the rest


@dataclass
class ApprovalSweep:
    reminders: int = 0  # steps reminded
    messages: int = 0  # DMs enqueued (bundles + escalation notices)
    escalated: int = 0
    skipped: int = 0
    deferred: int = 0  # per-type SLA longer than the default the step was stamped with
    recipients: list[str] = field(default_factory=list)


def sweep_queries(now: datetime, limit: int = BATCH, *, postgres: bool = False) -> tuple[Select, Select]:
    """(later reminders, first reminders): the two index range scans of one batch."""
    later = (select(ApprovalStep)
             .where(ApprovalStep.status == PENDING, ApprovalStep.next_reminder_at <= now)
             .order_by(ApprovalStep.next_reminder_at).limit(limit))
    first = (select(ApprovalStep)
             .where(ApprovalStep.status == PENDING, ApprovalStep.next_reminder_at.is_(None),
                    ApprovalStep.due_at <= now)
             # next_reminder_at is NULL throughout; naming it in the ORDER BY makes the sweep index the only
             # one that returns rows in order (ix_approval_steps_status_due_at would need a filter and a sort).
             .order_by(ApprovalStep.next_reminder_at, ApprovalStep.due_at).limit(limit))
    if postgres:
        later, first = later.with_for_update(skip_locked=True), first.with_for_update(skip_locked=True)
    return later, first


def due_batch(session: Session, now: datetime, limit: int = BATCH) -> list[ApprovalStep]:
    later, first = sweep_queries(now, limit, postgres=session.get_bind().dialect.name == "postgresql")
    steps = list(session.scalars(later))
    if len(steps) < limit:
        steps.extend(session.scalars(first.limit(limit - len(steps))))
    return steps


def sweep(session: Session, services: Services, now: datetime) -> ApprovalSweep:
    """One sweep in the caller's transaction; silent outside working hours."""
    result = ApprovalSweep()
    if not services.calendar.is_working_time(now):
        return result
    run = _Run(session, services, now, result)
    for _ in range(MAX_BATCHES):
        steps = due_batch(session, now)
        if not steps:
            break
        run.take(steps)
        session.flush()
    run.send()
    return result


class _Run:
    def __init__(self, session: Session, services: Services, now: datetime, result: ApprovalSweep):
        self.session, self.services, self.now, self.result = session, services, now, result
        self.tickets: dict[int, Ticket] = {}
        self.done: set[int] = set()
        self.bundles: dict[str, list[StalledStep]] = defaultdict(list)
        self.escalations: dict[str, list[EscalatedStep]] = defaultdict(list)
        self._stalled: list[ApprovalStep] | None = None
        self.touched: dict[int, Ticket] = {}  # tickets whose receipt now reads "reminded ×n / escalated"

    # -- deciding what each step gets ---------------------------------------------------------
    def take(self, steps: list[ApprovalStep]) -> None:
        self._load_tickets(steps)
        approvers: set[str] = set()
        for step in steps:
            if self._handle(step):
                approvers.update(step.approvers)
        # Everything else these approvers have stalled goes into the same DM (and on the same cadence).
        for step in self._stalled_of(approvers):
            self._handle(step, aligned=True)

    def _handle(self, step: ApprovalStep, *, aligned: bool = False) -> bool:
        """Remind or escalate one step; True when it was reminded."""
        if step.id in self.done or step.status != PENDING:
            return False
        self.done.add(step.id)
        ticket = self.tickets[step.ticket_id]
        rules = rules_for(self.services.config, ticket.request_type)
        if step.next_reminder_at is None and step.requested_at is not None:
            due = approval_due(self.services.calendar, self.services.config, ticket.request_type, step.requested_at)
            if due > self.now:
                step.next_reminder_at = due
                self.result.deferred += 1
                return False
        if step.next_reminder_at is not None and step.next_reminder_at >= NEVER:
            return False
        if aligned and step.last_reminded_at is not None and self.services.calendar.business_hours_between(
                step.last_reminded_at, self.now) < rules.interval_business_hours / 2:
            return False  # reminded moments ago in someone else's bundle (a step with several approvers)
        if not aligned and step.reminder_count < rules.escalate_after and self._throttled(step, rules):
            return False
        if step.reminder_count >= rules.escalate_after:
            if not aligned or (step.next_reminder_at is not None and step.next_reminder_at <= self.now):
                self._escalate(step, ticket, rules)
            return False
        self._remind(step, ticket, rules)
        return True

    def _throttled(self, step: ApprovalStep, rules: Rules) -> bool:
        """One DM per approver per interval: a step coming due soon after its approver's last bundle
        waits for the next one (joining it), unless that approver is being reminded in this very run."""
        if any(a in self.bundles for a in step.approvers):
            return False
        latest = max((s.last_reminded_at for s in self._stalled_of(set(step.approvers), load_tickets=False)
                      if s.last_reminded_at is not None), default=None)
        if latest is None:
            return False
        next_bundle = next_reminder(self.services.calendar, rules, latest)
        if next_bundle <= self.now:
            return False
        step.next_reminder_at = next_bundle
        self.result.deferred += 1
        return True

    def _remind(self, step: ApprovalStep, ticket: Ticket, rules: Rules) -> None:
        number = step.reminder_count + 1
        step.next_reminder_at = next_reminder(self.services.calendar, rules, self.now)
        if not log.claim(self.session, log.APPROVAL, step.id, number, ",".join(step.approvers), self.now):
            return  # already sent by another sweep: never twice
        step.reminder_count = number
        step.last_reminded_at = self.now
        self.result.reminders += 1
        self.touched[ticket.id] = ticket
        recipients = segregation.recipients(self.session, step, ticket, self.now)  # never the requester
        names = self.services.locales.display_name
        overdue = self.services.calendar.business_hours_between(step.due_at, self.now) if step.due_at else 0.0
        for user, principal in recipients.items():
            locale = self.services.locales.locale(user)
            self.bundles[user].append(StalledStep(
                step_id=step.id, version=step.version, ticket_number=ticket.number,
                type_name=notify.type_name(self.services, ticket, locale),
                title=ticket_title(self.services, ticket, locale),
                requester=names(ticket.requester_id), overdue_hours=overdue, reminder_no=number,
                principal=names(principal) if principal else None))

    def _escalate(self, step: ApprovalStep, ticket: Ticket, rules: Rules) -> None:
        step.next_reminder_at = NEVER
        if not log.claim(self.session, log.ESCALATION, step.id, 1, ",".join(step.approvers), self.now):
            return
        mode, skipped_to = rules.escalate_to, None
        if mode == "skip":
            # A 合議 member is never skipped: their own consent is what the step asks for.
            following = next_deciding(self.session, step.ticket_id, step.round, step.position) \
                if step.mode == "any" else []
            if following and self._skip(step, ticket):
                skipped_to = list(dict.fromkeys(a for f in following for a in f.approvers))
            else:
                mode = "department_admin"  # nobody after this step: never approve by skipping the last one
        targets = skipped_to or self._targets(mode, step, ticket)
        step.escalated_to = (targets[0] if targets else None)
        self.result.escalated += 1
        self.touched[ticket.id] = ticket
        audit.record(self.session, actor="system", action="step.escalated", subject=f"step:{step.id}",
                     ticket_id=ticket.id, before={"approvers": step.approvers, "reminders": step.reminder_count},
                     after={"mode": mode, "to": targets, "skipped": skipped_to is not None}, at=self.now)
        names = self.services.locales.display_name
        told = set(targets) if skipped_to is None else set(self._targets("department_admin", step, ticket))
        overdue = self.services.calendar.business_hours_between(step.due_at, self.now) if step.due_at else 0.0
        rt = self.services.config.request_type(ticket.request_type)
        confidential = ticket.confidential or bool(rt and rt.confidential)
        for user in told:
            locale = self.services.locales.locale(user)
            self.escalations[user].append(EscalatedStep(
                ticket_number=ticket.number, type_name=notify.type_name(self.services, ticket, locale),
                title=None if confidential else ticket_title(self.services, ticket, locale),
                requester="" if confidential else names(ticket.requester_id),
                approvers=" / ".join(names(a) for a in step.approvers), overdue_hours=overdue,
                reminders=step.reminder_count,
                skipped_to=" / ".join(names(a) for a in skipped_to) if skipped_to else None))
        outbox.refresh_home(self.session, ticket.requester_id)

    def _skip(self, step: ApprovalStep, ticket: Ticket) -> bool:
        """Skip the step (compare-and-set, like a decision) and ask the next approver."""
        reason = t("ja", "reminders.audit.skipped_reason", n=step.reminder_count)
        if flow.skip_step(self.session, self.services, step, reason=reason) is None:
            return False  # decided a moment ago: nothing to skip
        self.result.skipped += 1
        return True

    def _targets(self, mode: str, step: ApprovalStep, ticket: Ticket) -> list[str]:
        config = self.services.config
        if mode == "manager":
            managers = []
            for approver in step.approvers:
                person = config.person_for_slack_id(approver)
                boss = config.org.by_key(person.manager) if person and person.manager else None
                if boss is not None and boss.slack_id:
                    managers.append(boss.slack_id)
            if managers:
                return list(dict.fromkeys(managers))
        department = config.department(ticket.department)
        admins = config.slack_ids(department.admins) if department else []
        return [a for a in (admins or config.admin_slack_ids()) if a not in step.approvers] or admins

    # -- loading ---------------------------------------------------------------------------------
    def _load_tickets(self, steps: list[ApprovalStep]) -> None:
        missing = {s.ticket_id for s in steps} - self.tickets.keys()
        if missing:
            for ticket in self.session.scalars(select(Ticket).where(Ticket.id.in_(missing))):
                self.tickets[ticket.id] = ticket

    def _stalled_of(self, approvers: set[str], *, load_tickets: bool = True) -> list[ApprovalStep]:
        if not approvers:
            return []
        if self._stalled is None:
            # Pending and past due (ix_approval_steps_status_due_at); approvers is a JSON list, matched here.
            query = (select(ApprovalStep).where(ApprovalStep.status == PENDING, ApprovalStep.due_at <= self.now)
                     .order_by(ApprovalStep.due_at))
            if self.session.get_bind().dialect.name == "postgresql":
                # Only rows this replica holds: another sweep's rows are its business (and no deadlock).
                query = query.with_for_update(skip_locked=True)
            self._stalled = list(self.session.scalars(query))
        if not load_tickets:  # every stalled step of these approvers, handled or not
            return [s for s in self._stalled if approvers & set(s.approvers)]
        mine = [s for s in self._stalled if s.id not in self.done and approvers & set(s.approvers)]
        self._load_tickets(mine)
        return mine

    # -- sending ---------------------------------------------------------------------------------
    def send(self) -> None:
        for ticket in self.touched.values():
            receipts.update_receipt(self.session, self.services, ticket)
        for user, items in self.bundles.items():
            text, blocks = approver_bundle(self.services.locales.locale(user), items,
                                           day_hours=self.services.calendar.working_day_hours)
            outbox.post(self.session, user, text, blocks)
            outbox.refresh_home(self.session, user)
            self.result.messages += 1
            self.result.recipients.append(user)
        for user, escalated in self.escalations.items():
            text, blocks = escalation_notice(self.services.locales.locale(user), escalated,
                                             day_hours=self.services.calendar.working_day_hours)
            outbox.post(self.session, user, text, blocks)
            self.result.messages += 1
            self.result.recipients.append(user)
