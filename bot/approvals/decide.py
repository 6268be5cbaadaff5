"""Decisions on an approval step: approve, send back (差戻し) or reject (却下).

Only the step's approvers, or an active delegate of one of them, may decide — never the requester,
and only people still in the org directory (bot.approvals.segregation); an admin may instead
re-assign the step (not of their own request, and not to its requester). A decision is a
compare-and-set UPDATE on (step id, version, status='pending') in the caller's transaction,
together with its audit event and outbox messages: of two concurrent clicks exactly one changes the
row, the other is told who decided and when (AlreadyDecided).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot import audit
from bot.approvals import flow, notify, segregation
from bot.approvals.delegation import delegate_problem
from bot.approvals.segregation import NotInDirectory, OwnRequest
from bot.approvals.steps import APPROVED, PENDING, REJECTED, SENT_BACK, Decision
from bot.approvals.ticket_moves import update_receipt
from bot.errors import AlreadyDecided, DomainError, NotAuthorized, NotFound, ValidationFailed
from bot.forms.clean import FREE_TEXT_MAX, clean_text, free_text

__all__ = ["Decision", "NotInDirectory", "OwnRequest", "authorize", "decide", "reassign", "refuse_if_settled"]
from bot.approvals import views
from bot.i18n import LOCALES, t
from bot.tickets import store
from models import ApprovalStep, Ticket

if TYPE_CHECKING:
    from bot.services import Services

OUTCOMES = (APPROVED, SENT_BACK, REJECTED)
# Block ids of the reason and re-assign modals (here because the service names the field an error belongs to).
# The modal's block ids (bot/approvals/views.py defines them): errors are keyed by the block they belong to.
REASON_BLOCK, REASSIGN_TO_BLOCK, REASSIGN_REASON_BLOCK = (views.REASON_BLOCK, views.REASSIGN_TO_BLOCK,
                                                          views.REASSIGN_REASON_BLOCK)


class StepNotOpen(DomainError):
    """The step cannot be decided: withdrawn, not reached yet, skipped, or given to someone else."""

    key = "approvals.errors.not_open_other"

    def __init__(self, why: str):
        super().__init__(f"step not open: {why}", why=why)

    def message(self, locale: str) -> str:
        return t(locale, f"approvals.errors.not_open_{self.params['why']}")


class StepAlreadyDecided(AlreadyDecided):
    """Someone decided first. The answer names the request, the outcome and who decided ("B (on behalf
    of A)" / "B（A の代理）"), in the reader's language — and is nothing at all when the clicker's own
    same decision already went through (`silent`: a repeat click, e.g. ten taps on 承認)."""

    def __init__(self, step: ApprovalStep, ticket: Ticket, services: Services, *, actor: str | None = None,
                 outcome: str | None = None):
        names = services.locales.display_name
        self.decider = names(step.decided_by) if step.decided_by else "?"
        self.principal = names(step.on_behalf_of) if step.on_behalf_of else None
        self.status = step.status
        self.number = ticket.number
        self.type_names = {loc: _type_name(services, ticket, loc) for loc in LOCALES}
        self.silent = actor is not None and actor == step.decided_by and outcome == step.status
        self.whens = {loc: notify.local_time(services, step.decided_at, loc) or "?" for loc in LOCALES}
        super().__init__(self.decider, self.whens["ja"])

    def message(self, locale: str) -> str:
        who = self.decider
        if self.principal:
            who = t(locale, "approvals.on_behalf", delegate=self.decider, principal=self.principal)
        if self.status not in OUTCOMES:
            return t(locale, self.key, who=who, when=self.whens.get(locale, self.params["when"]))
        return t(locale, f"approvals.errors.already_{self.status}", number=self.number,
                 type=self.type_names.get(locale) or self.type_names["ja"], who=who,
                 when=self.whens.get(locale, self.params["when"]))


def _type_name(services: Services, ticket: Ticket, locale: str) -> str:
    rt = services.config.request_type(ticket.request_type)
    return rt.name.get(locale) if rt is not None else ticket.request_type


def authorize(session: Session, services: Services, step: ApprovalStep, ticket: Ticket, actor: str) -> str | None:
    """None when `actor` is an approver of the step; the approver they stand in for when a delegate.
    The requester never; someone no longer in the org directory never (segregation.check)."""
    return segregation.check(session, services, step, ticket, actor)


def decide(session: Session, services: Services, *, step_id: int, version: int, actor: str, outcome: str,
           reason: str | None = None, fields_to_fix: Sequence[str] = (), locale: str = "ja") -> Decision:
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    step = session.get(ApprovalStep, step_id)
    if step is None:
        raise NotFound(f"step {step_id}")
    # One lock order for every change to a ticket: its row first, then its steps. Taken after the step's own
    # row (the members of a 合議 each lock their part, and their audit rows key-share the ticket), two members
    # deciding at once deadlocked on PostgreSQL; taken first, the second waits and then sees the first.
    ticket = store.lock(session, step.ticket_id)
    session.refresh(step)
    on_behalf_of = authorize(session, services, step, ticket, actor)
    refuse_if_settled(session, services, step, ticket, version, actor=actor, outcome=outcome)
    if outcome in (SENT_BACK, REJECTED) and not clean_text(reason or "").strip():
        raise ValidationFailed({REASON_BLOCK: t(locale, "approvals.errors.reason_required")})
    # Cleaned and bounded here, whatever door it came through: the reason is posted to the requester.
    reason = free_text(reason, REASON_BLOCK, locale, required=False) or None
    fix = [f for f in dict.fromkeys(fields_to_fix) if f]
    now = services.clock.now()
    changed = session.execute(
        update(ApprovalStep)
        .where(ApprovalStep.id == step_id, ApprovalStep.version == version, ApprovalStep.status == PENDING)
        .values(status=outcome, version=version + 1, decided_by=actor, decided_at=now, on_behalf_of=on_behalf_of,
                comment=reason, fields_to_fix=fix if outcome == SENT_BACK else [])
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(step)
    if changed != 1:
        # Lost the race: another decision (maybe the same person's other click) committed between
        # our read and our write.
        refuse_if_settled(session, services, step, ticket, version, actor=actor, outcome=outcome)
        raise StepAlreadyDecided(step, ticket, services, actor=actor, outcome=outcome)
    audit.record(session, actor=actor, on_behalf_of=on_behalf_of, action=f"step.{outcome}", subject=f"step:{step.id}",
                 ticket_id=ticket.id, before={"status": PENDING, "version": version},
                 after={"status": outcome, "version": version + 1, "round": step.round, "position": step.position,
                        **({"fields_to_fix": fix} if outcome == SENT_BACK else {})},
                 reason=reason, at=now)
    decision = Decision(step=step, ticket=ticket, outcome=outcome, actor=actor, on_behalf_of=on_behalf_of)
    flow.after_decision(session, services, decision)
    return decision


BULK_LIMIT = 20  # one request decides at most this many: each is a whole decision, inside Slack's 3 s


def decide_many(session: Session, services: Services, *, pointers: Sequence[tuple[int, int]], actor: str,
                locale: str = "ja") -> views.BulkOutcome:
    """まとめて承認: each ticked step approved by itself — its own compare-and-set, audit event and messages,
    in a savepoint of its own — so a step someone else decided meanwhile (or that was withdrawn) is reported
    back in the reader's words and the others still go through."""
    approved: list[str] = []
    not_decided: list[tuple[str, str]] = []
    chosen = list(dict.fromkeys(pointers))[:BULK_LIMIT]
    steps = {step_id: session.get(ApprovalStep, step_id) for step_id, _ in chosen}
    # Tickets are locked in the order of their ids, so two bulk decisions over the same tickets (the members of
    # a 合議, a delegate and the one they stand in for) wait for each other instead of deadlocking.
    chosen.sort(key=lambda pointer: (s.ticket_id, s.id) if (s := steps[pointer[0]]) is not None else (0, pointer[0]))
    for step_id, version in chosen:
        step = steps[step_id]
        ticket = session.get(Ticket, step.ticket_id) if step is not None else None
        try:
            with session.begin_nested():
                decide(session, services, step_id=step_id, version=version, actor=actor, outcome=APPROVED,
                       locale=locale)
        except DomainError as exc:
            # In the words a single click gets (who decided and when; who may decide a step not theirs).
            not_decided.append((ticket.number if ticket is not None else f"#{step_id}", exc.message(locale)))
            continue
        assert ticket is not None  # decided: the step and its ticket exist
        approved.append(ticket.number)
    return views.BulkOutcome(approved=approved, not_decided=not_decided)


def reassign(session: Session, services: Services, *, step_id: int, version: int, actor: str, to: str | None,
             reason: str | None = None, locale: str = "ja") -> ApprovalStep:
    """An admin gives a pending step to someone else (e.g. the approver left); audited with the
    reason, the new approver asked, every copy of the old request updated in place."""
    if not services.config.is_admin(actor):
        raise NotAuthorized(f"{actor} is not an admin")
    step = session.get(ApprovalStep, step_id)
    if step is None:
        raise NotFound(f"step {step_id}")
    ticket = session.get(Ticket, step.ticket_id)
    assert ticket is not None
    segregation.refuse_own(ticket, actor)
    refuse_if_settled(session, services, step, ticket, version)
    reason = clean_text(reason or "").strip() or None
    errors: dict[str, str] = {}
    if not to:
        errors[REASSIGN_TO_BLOCK] = t(locale, "approvals.reassign.errors.required")
    elif to in step.approvers:
        errors[REASSIGN_TO_BLOCK] = t(locale, "approvals.reassign.errors.same")
    elif to == ticket.requester_id:
        errors[REASSIGN_TO_BLOCK] = t(locale, "approvals.reassign.errors.requester")
    elif (problem := delegate_problem(services, to)) is not None:
        errors[REASSIGN_TO_BLOCK] = t(locale, f"approvals.delegation.errors.{problem}")
    if not reason:
        errors[REASSIGN_REASON_BLOCK] = t(locale, "approvals.errors.reason_required")
    elif len(reason) > FREE_TEXT_MAX:
        errors[REASSIGN_REASON_BLOCK] = t(locale, "form.errors.too_long", max=f"{FREE_TEXT_MAX:,}")
    if errors:
        raise ValidationFailed(errors)
    assert to is not None
    before = list(step.approvers)
    now = services.clock.now()
    changed = session.execute(
        update(ApprovalStep)
        .where(ApprovalStep.id == step_id, ApprovalStep.version == version, ApprovalStep.status == PENDING)
        .values(approvers=[to], version=version + 1, requested_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(step)
    if changed != 1:
        refuse_if_settled(session, services, step, ticket, version)
        raise StepAlreadyDecided(step, ticket, services)
    audit.record(session, actor=actor, action="step.reassigned", subject=f"step:{step.id}", ticket_id=ticket.id,
                 before={"approvers": before, "version": version}, after={"approvers": [to], "version": version + 1},
                 reason=reason, at=now)
    notify.step_reassigned(session, services, ticket, step, actor, previous=before, reason=reason)
    segregation.route_around_delegates(session, services, ticket, step)
    notify.request_decision(session, services, ticket, step)
    update_receipt(session, services, ticket)
    return step


def refuse_if_settled(session: Session, services: Services, step: ApprovalStep, ticket: Ticket,
                       version: int, *, actor: str | None = None, outcome: str | None = None) -> None:
    """Raise when the step can no longer be decided at `version`: decided (StepAlreadyDecided), or withdrawn,
    skipped, not reached yet or re-assigned (StepNotOpen). `actor` and `outcome` (who clicks what) make a
    repeat of their own decision a silent refusal. Also used by the screens before opening a modal."""
    if step.status in OUTCOMES or (step.status == PENDING and step.version != version and step.decided_by):
        raise StepAlreadyDecided(step, ticket, services, actor=actor, outcome=outcome)
    if step.status != PENDING:
        # Cancelled by a withdrawal, skipped after reminders, or not yet reached: nothing to decide.
        raise StepNotOpen(step.status if step.status in ("cancelled", "skipped", "waiting") else "other")
    if step.version != version:
        raise StepNotOpen("reassigned")
