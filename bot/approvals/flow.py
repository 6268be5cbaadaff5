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
from bot.approvals import after_the_fact, away, circulation, notify, segregation
from bot.approvals.chain import ALL, ANY, FYI, PlannedStep, build_chain
from bot.approvals.rules import rules_for
from bot.approvals.steps import (
    ACKNOWLEDGED,
    APPROVED,
    CANCELLED,
    INFORMED,
    PENDING,
    REJECTED,
    SENT_BACK,
    SKIPPED,
    WAITING,
    Decision,
    add_round,
    latest_round,
    next_deciding,
    next_position,
    siblings,
    steps_of,
)
from bot.approvals.ticket_moves import hand_to_triage, move, update_receipt
from bot.i18n import t
from bot.i18n.mrkdwn import literal
from bot.reminders.policy import approval_due
from bot.workflow_steps import runs
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
    if not any(r.status == WAITING and r.mode != FYI for r in rows):
        # Nobody decides (every step skipped, e.g. the requester is every approver; or only 回付): whoever is
        # to be informed is told, and there is no approval to wait for.
        _enter(session, services, ticket, 1, after=0)
        away.delegate_while_away(session, services, ticket)
        return False
    move(session, services, ticket, "pending_approval", "approval_requested", actor)
    _enter(session, services, ticket, 1, after=0)
    return True


def resume_approval(session: Session, services: Services, ticket: Ticket, actor: str,
                    changes: dict[str, Any]) -> None:
    """After a resubmission: a new round from the recomputed chain, entering at the step that sent it back.

    Steps before that one which were approved (or, 回付, informed) in an earlier round are carried over as
    skipped, with who approved them; a step the new values add earlier in the chain (e.g. a raised amount)
    is asked. A 合議 sent back by one member is asked of all its members again."""
    previous = latest_round(session, ticket.id)
    sender = next((s for s in reversed(steps_of(session, ticket.id, previous)) if s.status == SENT_BACK), None)
    enter_at = sender.position if sender else 1
    settled_before = {(s.position, s.part, s.rule): s for s in steps_of(session, ticket.id)
                      if s.status in (APPROVED, INFORMED, ACKNOWLEDGED)}
    plan = _plan(services, ticket)
    carried = {}
    for planned in plan:
        earlier = settled_before.get((planned.position, planned.part, planned.rule_label[:200]))
        if planned.position < enter_at and earlier is not None:
            carried[(planned.position, planned.part)] = (
                f"approved in round {earlier.round} by {earlier.decided_by}" if earlier.status == APPROVED
                else f"informed in round {earlier.round}")
    round_no = previous + 1
    rows = add_round(session, ticket.id, round_no, plan, carried)
    _audit_skips(session, services, ticket, rows)
    _audit_routed(session, services, ticket, plan, rows)
    audit.record(session, actor=actor, action="approval.resubmitted", subject=f"ticket:{ticket.id}",
                 ticket_id=ticket.id, after={"round": round_no, "enter_at": enter_at, "changes": changes,
                                             "steps": [_brief(s) for s in rows]}, at=services.clock.now())
    move(session, services, ticket, "pending_approval", "resubmitted", actor)
    if not _enter(session, services, ticket, round_no, after=0, changes=changes):
        _finish(session, services, ticket, actor)


def cancel_approval(session: Session, services: Services, ticket: Ticket, actor: str) -> None:
    """On withdrawal: every open step is cancelled and its approvers' messages say so."""
    now = services.clock.now()
    for step in steps_of(session, ticket.id):
        if step.status not in (PENDING, WAITING, INFORMED):
            continue
        before = step.status
        step.status = CANCELLED
        step.version += 1
        step.decided_at = now
        audit.record(session, actor=actor, action="step.cancelled", subject=f"step:{step.id}", ticket_id=ticket.id,
                     before={"status": before}, after={"status": CANCELLED, "version": step.version},
                     reason="withdrawn by the requester", at=now)
        if before in (PENDING, INFORMED):
            notify.step_closed(session, services, ticket, step)
    session.flush()
    update_receipt(session, services, ticket)
    # A workflow waiting on this request stops, in the company's language (its people read it).
    runs.withdrawn(session, services, ticket,
                   literal(t(services.config.default_locale, "workflow.errors.withdrawn")))


def after_decision(session: Session, services: Services, decision: Decision) -> None:
    step, ticket = decision.step, decision.ticket
    # 合議: the members decide at once; the ticket's row lock, taken before the decision (decide.decide), makes
    # the last one to decide see the others' (siblings() reads past what this session loaded before).
    notify.step_closed(session, services, ticket, step)
    if decision.outcome == APPROVED:
        others = [s for s in siblings(session, step) if s.status == PENDING] if step.mode == ALL else []
        if others:  # 合議: the other members still decide; their cards show who has approved
            notify.requester_step_approved(session, services, ticket, step,
                                           [a for s in others for a in s.approvers])
            for other in others:
                notify.step_closed(session, services, ticket, other)
            update_receipt(session, services, ticket)
            return
        following = next_deciding(session, ticket.id, step.round, step.position)
        notify.requester_step_approved(session, services, ticket, step,
                                       [a for s in following for a in s.approvers] or None)
        if _enter(session, services, ticket, step.round, after=step.position):
            update_receipt(session, services, ticket)
        else:
            _finish(session, services, ticket, decision.actor, on_behalf_of=decision.on_behalf_of, step=step)
        return
    if step.mode == ALL:  # a 差戻し or 却下 from one member decides the whole step
        _close_together(session, services, ticket, step, decision.actor)
    _close_round(session, services, ticket, step)
    if decision.outcome == SENT_BACK:
        move(session, services, ticket, "sent_back", "sent_back", decision.actor, reason=step.comment,
             on_behalf_of=decision.on_behalf_of, extra={"fields_to_fix": step.fields_to_fix})
        notify.requester_sent_back(session, services, ticket, step)
    elif decision.outcome == REJECTED:
        move(session, services, ticket, "rejected", "rejected", decision.actor, reason=step.comment,
             on_behalf_of=decision.on_behalf_of)
        notify.requester_rejected(session, services, ticket, step)
        runs.finished(session, services, ticket, runs.REJECTED, approver=decision.actor, comment=step.comment)
    update_receipt(session, services, ticket)


def _close_together(session: Session, services: Services, ticket: Ticket, decided: ApprovalStep, actor: str) -> None:
    """The other members of a 合議 sent back or rejected by one of them: their parts are closed, and their
    cards say by whom."""
    now = services.clock.now()
    for other in siblings(session, decided):
        if other.status != PENDING:
            continue
        other.status = CANCELLED
        other.version += 1
        other.decided_at = now
        audit.record(session, actor=actor, action="step.cancelled", subject=f"step:{other.id}",
                     ticket_id=ticket.id, before={"status": PENDING}, after={"status": CANCELLED,
                                                                            "version": other.version},
                     reason=f"{decided.status} by another member of the step", at=now)
        notify.step_closed(session, services, ticket, other, outcome="closed_together", by=decided)
    session.flush()


def skip_step(session: Session, services: Services, step: ApprovalStep, *, reason: str,
              extra: dict[str, Any] | None = None) -> ApprovalStep | None:
    """Pass a pending step over (compare-and-set, like a decision) and ask the next approver.

    Returns the step now asked, or None when nothing was skipped: the step was decided a moment ago,
    it is the last of its round — a request is never approved by nobody — or it is a 合議 member's part."""
    ticket = session.get(Ticket, step.ticket_id)
    following = next_deciding(session, step.ticket_id, step.round, step.position)
    if ticket is None or not following or step.mode != ANY:
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
                        "next": [a for s in following for a in s.approvers], **(extra or {})},
                 reason=reason, at=now)
    notify.step_closed(session, services, ticket, step)
    _enter(session, services, ticket, step.round, after=step.position)
    update_receipt(session, services, ticket)
    return following[0]


def _finish(session: Session, services: Services, ticket: Ticket, actor: str, on_behalf_of: str | None = None,
            step: ApprovalStep | None = None) -> None:
    move(session, services, ticket, "approved", "approved", actor, on_behalf_of=on_behalf_of)
    # Who decided last: the step's decider (a delegate when one stood in); nobody when a resubmission left no
    # step to decide, so the requester is never named as their own approver.
    runs.finished(session, services, ticket, runs.APPROVED, approver=step.decided_by if step else None,
                  comment=step.comment if step else None)
    after_the_fact.record_if_past(session, services, ticket, actor, on_behalf_of)
    notify.requester_approved(session, services, ticket, step)
    away.delegate_while_away(session, services, ticket)
    hand_to_triage(session, services, ticket, actor)  # the desk updates the receipt with its SLA


def _enter(session: Session, services: Services, ticket: Ticket, round_no: int, *, after: int,
           changes: dict[str, Any] | None = None) -> bool:
    """On from position `after`: 回付 positions are informed and passed; at the first position someone
    decides, every part is asked (a 合議's members at once). False when nobody is left to decide."""
    while rows := next_position(session, ticket.id, round_no, after):
        deciding = False
        for row in rows:
            if row.mode == FYI:
                circulation.inform(session, services, ticket, row)
            else:
                activate(session, services, ticket, row, changes=changes)
                deciding = True
        if deciding:
            return True
        after = rows[0].position
    return False


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
    brief = {"position": step.position, "rule": step.rule, "approvers": step.approvers, "status": step.status}
    if step.mode != ANY:  # 合議 / 回付: which part, of which kind (older trails have neither)
        brief.update(part=step.part, mode=step.mode)
    return brief
