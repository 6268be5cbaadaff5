"""The approval flow (稟議) around a ticket: start the chain at submission, move along it after each
decision, re-enter it after a resubmission, cancel it on withdrawal. These functions are the
lifecycle hooks intake calls (`services.lifecycle`, filled by bot/composition.py); everything happens
in the caller's transaction.

`skip_step` is the public way for other features (reminders' escalation in `skip` mode) to pass a
pending step over and ask the next approver. After every transition the requester's receipt (owned
by bot/tickets) is updated in place, so it always shows the current status."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot import audit
from bot.approvals import after_the_fact, away, notify, segregation
from bot.approvals.chain import PlannedStep, build_chain
from bot.approvals.rules import rules_for
from bot.approvals.steps import (
    APPROVED,
    CANCELLED,
    PENDING,
    REJECTED,
    SENT_BACK,
    SKIPPED,
    WAITING,
    Decision,
    add_round,
    first_waiting,
    latest_round,
    next_waiting,
    steps_of,
)
from bot.approvals.ticket_moves import hand_to_triage, move, update_receipt
from bot.reminders.policy import approval_due
from models import ApprovalStep, Ticket

if TYPE_CHECKING:
    from bot.services import Services


def start_approval(session: Session, services: Services, ticket: Ticket, actor: str) -> bool:
    """Build and store the chain; True when someone must approve (the ticket is now pending_approval)."""
    plan = _plan(services, ticket)
    if not plan:
        away.delegate_while_away(session, services, ticket)  # a leave nobody has to approve is granted now
        return False
    rows = add_round(session, ticket.id, 1, plan, carried={})
    _audit_skips(session, services, ticket, rows)
    _audit_routed(session, services, ticket, plan, rows)
    audit.record(session, actor=actor, action="approval.chain_built", subject=f"ticket:{ticket.id}",
                 ticket_id=ticket.id, after={"round": 1, "steps": [_brief(s) for s in rows]},
                 at=services.clock.now())
    first = first_waiting(session, ticket.id, 1)
    if first is None:  # every step skipped (e.g. the requester is every approver): no approval to wait for
        away.delegate_while_away(session, services, ticket)
        return False
    move(session, services, ticket, "pending_approval", "approval_requested", actor)
    activate(session, services, ticket, first)
    return True


def resume_approval(session: Session, services: Services, ticket: Ticket, actor: str,
                    changes: dict[str, Any]) -> None:
    """After a resubmission: a new round from the recomputed chain, entering at the step that sent it back.

    Steps before that one which were approved in an earlier round are carried over as skipped (with
    who approved them); a step the new values add earlier in the chain (e.g. a raised amount) is asked."""
    previous = latest_round(session, ticket.id)
    sender = next((s for s in reversed(steps_of(session, ticket.id, previous)) if s.status == SENT_BACK), None)
    enter_at = sender.position if sender else 1
    approved_before = {(s.position, s.rule): s for s in steps_of(session, ticket.id) if s.status == APPROVED}
    plan = _plan(services, ticket)
    carried = {}
    for planned in plan:
        earlier = approved_before.get((planned.position, planned.rule_label[:200]))
        if planned.position < enter_at and earlier is not None:
            carried[planned.position] = f"approved in round {earlier.round} by {earlier.decided_by}"
    round_no = previous + 1
    rows = add_round(session, ticket.id, round_no, plan, carried)
    _audit_skips(session, services, ticket, rows)
    _audit_routed(session, services, ticket, plan, rows)
    audit.record(session, actor=actor, action="approval.resubmitted", subject=f"ticket:{ticket.id}",
                 ticket_id=ticket.id, after={"round": round_no, "enter_at": enter_at, "changes": changes,
                                             "steps": [_brief(s) for s in rows]}, at=services.clock.now())
    move(session, services, ticket, "pending_approval", "resubmitted", actor)
    first = first_waiting(session, ticket.id, round_no)
    if first is None:
        _finish(session, services, ticket, actor)
        return
    activate(session, services, ticket, first, changes=changes)


def cancel_approval(session: Session, services: Services, ticket: Ticket, actor: str) -> None:
    """On withdrawal: every open step is cancelled and its approvers' messages say so."""
    now = services.clock.now()
    for step in steps_of(session, ticket.id):
        if step.status not in (PENDING, WAITING):
            continue
        before = step.status
        step.status = CANCELLED
        step.version += 1
        step.decided_at = now
        audit.record(session, actor=actor, action="step.cancelled", subject=f"step:{step.id}", ticket_id=ticket.id,
                     before={"status": before}, after={"status": CANCELLED, "version": step.version},
                     reason="withdrawn by the requester", at=now)
        if before == PENDING:
            notify.step_closed(session, services, ticket, step)
    session.flush()
    update_receipt(session, services, ticket)


def after_decision(session: Session, services: Services, decision: Decision) -> None:
    step, ticket = decision.step, decision.ticket
    notify.step_closed(session, services, ticket, step)
    if decision.outcome == APPROVED:
        following = next_waiting(session, step)
        notify.requester_step_approved(session, services, ticket, step, following)
        if following is not None:
            activate(session, services, ticket, following)
            update_receipt(session, services, ticket)
        else:
            _finish(session, services, ticket, decision.actor, on_behalf_of=decision.on_behalf_of, step=step)
        return
    _close_round(session, services, ticket, step)
    if decision.outcome == SENT_BACK:
        move(session, services, ticket, "sent_back", "sent_back", decision.actor, reason=step.comment,
             on_behalf_of=decision.on_behalf_of, extra={"fields_to_fix": step.fields_to_fix})
        notify.requester_sent_back(session, services, ticket, step)
    elif decision.outcome == REJECTED:
        move(session, services, ticket, "rejected", "rejected", decision.actor, reason=step.comment,
             on_behalf_of=decision.on_behalf_of)
        notify.requester_rejected(session, services, ticket, step)
    update_receipt(session, services, ticket)


def skip_step(session: Session, services: Services, step: ApprovalStep, *, reason: str,
              extra: dict[str, Any] | None = None) -> ApprovalStep | None:
    """Pass a pending step over (compare-and-set, like a decision) and ask the next approver.

    Returns the step now asked, or None when nothing was skipped: the step was decided a moment ago,
    or it is the last of its round — a request is never approved by nobody."""
    ticket = session.get(Ticket, step.ticket_id)
    following = next_waiting(session, step)
    if ticket is None or following is None:
        return None
    now = services.clock.now()
    version = step.version
    changed = session.execute(
        update(ApprovalStep)
        .where(ApprovalStep.id == step.id, ApprovalStep.version == version, ApprovalStep.status == PENDING)
        .values(status=SKIPPED, version=version + 1, decided_at=now, comment=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(step)
    if changed != 1:
        return None
    audit.record(session, actor="system", action="step.skipped", subject=f"step:{step.id}", ticket_id=ticket.id,
                 before={"status": PENDING, "approvers": step.approvers, "version": version},
                 after={"status": SKIPPED, "version": step.version, "round": step.round, "position": step.position,
                        "next": following.approvers, **(extra or {})},
                 reason=reason, at=now)
    notify.step_closed(session, services, ticket, step)
    activate(session, services, ticket, following)
    update_receipt(session, services, ticket)
    return following


def _finish(session: Session, services: Services, ticket: Ticket, actor: str, on_behalf_of: str | None = None,
            step: ApprovalStep | None = None) -> None:
    move(session, services, ticket, "approved", "approved", actor, on_behalf_of=on_behalf_of)
    after_the_fact.record_if_past(session, services, ticket, actor, on_behalf_of)
    notify.requester_approved(session, services, ticket, step)
    away.delegate_while_away(session, services, ticket)
    hand_to_triage(session, services, ticket, actor)  # the desk updates the receipt with its SLA


def activate(session: Session, services: Services, ticket: Ticket, step: ApprovalStep,
             changes: dict[str, Any] | None = None) -> None:
    """A waiting step becomes the one to decide: stamped with its SLA (business hours, per request
    type — bot.reminders.policy), audited, and its approvers (and their delegates) asked. An approver
    away with the requester as delegate: their next-up is asked too (bot.approvals.segregation)."""
    now = services.clock.now()
    step.status = PENDING
    step.requested_at = now
    step.due_at = approval_due(services.calendar, services.config, ticket.request_type, now)
    session.flush()
    audit.record(session, actor="system", action="step.requested", subject=f"step:{step.id}", ticket_id=ticket.id,
                 before={"status": WAITING}, after={"status": PENDING, "approvers": step.approvers,
                                                    "round": step.round, "position": step.position}, at=now)
    segregation.route_around_delegates(session, services, ticket, step)
    notify.request_decision(session, services, ticket, step, changes=changes)


def _close_round(session: Session, services: Services, ticket: Ticket, decided: ApprovalStep) -> None:
    """Steps after a send-back or rejection will not be asked in this round."""
    for step in steps_of(session, ticket.id, decided.round):
        if step.status == WAITING:
            step.status = CANCELLED
            step.version += 1
    session.flush()


def _plan(services: Services, ticket: Ticket) -> list[PlannedStep]:
    # The rules in force on the day of submission, also when the request comes back after a 差戻し: a revision
    # of the 職務権限 never changes the chain of a request already in flight.
    submitted = (ticket.created_at or services.clock.now()).astimezone(services.calendar.tz).date()
    rules = rules_for(services.config, ticket.request_type, on=submitted) or []
    return build_chain(rules, services.config, ticket.requester_id, ticket.fields or {},
                       department=ticket.department) if rules else []


def _audit_routed(session: Session, services: Services, ticket: Ticket, plan: list[PlannedStep],
                  rows: list[ApprovalStep]) -> None:
    """Steps the requester would have decided, routed to the next approver up: recorded and explained."""
    for planned, step in zip(plan, rows, strict=True):
        if planned.routed_via and step.status != SKIPPED:
            segregation.record_routing(session, services, ticket, step, before=[ticket.requester_id],
                                       why=segregation.REQUESTER_IS_APPROVER, via=planned.routed_via,
                                       to=list(step.approvers), instead_of=ticket.requester_id)


def _audit_skips(session: Session, services: Services, ticket: Ticket, rows: list[ApprovalStep]) -> None:
    for step in rows:
        if step.status == SKIPPED:
            audit.record(session, actor="system", action="step.skipped", subject=f"step:{step.id}",
                         ticket_id=ticket.id, after={"status": SKIPPED, "round": step.round,
                                                     "position": step.position, "rule": step.rule},
                         reason=step.comment, at=services.clock.now())


def _brief(step: ApprovalStep) -> dict[str, Any]:
    return {"position": step.position, "rule": step.rule, "approvers": step.approvers, "status": step.status}
