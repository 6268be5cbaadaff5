"""Who hears what about an approval, each in their own language — all through the outbox, in the
transaction of the change. An approver's DM is remembered under `approval:<step>:<user>` so the
same message is later updated in place (buttons gone, outcome shown)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import outbox
from bot.approvals import after_the_fact, delegates, segregation
from bot.approvals.chain import ALL, FYI
from bot.approvals.rules import rule_of_step
from bot.approvals.steps import ACKNOWLEDGED, APPROVED, INFORMED, PENDING, SENT_BACK, pending_for, positions, steps_of
from bot.approvals.views import Change, FieldRow, StepCard, request_message, requester_notice, who
from bot.approvals.wording import skip_reason, step_reason
from bot.forms.display import display_value, mrkdwn_value
from bot.i18n import t
from bot.i18n.mrkdwn import escape, trusted
from bot.receipts import registry
from bot.receipts.records import attached
from bot.receipts.views import registry_words
from bot.tickets.summary import local_time as receipt_time
from bot.tickets.summary import ticket_title
from models import ApprovalStep, Delegation, OutboxMessage, Ticket
from models.db import starts_with

if TYPE_CHECKING:
    from bot.services import Services


# -- approvers ------------------------------------------------------------------------------------
def request_decision(session: Session, services: Services, ticket: Ticket, step: ApprovalStep,
                     changes: dict[str, Any] | None = None, only: set[str] | None = None) -> None:
    """DM each approver of the pending step, and the active delegate of any who is away — never the
    requester (bot.approvals.segregation)."""
    now = services.clock.now()
    for user, principal in segregation.recipients(session, step, ticket, now).items():
        if only is not None and user not in only:
            continue
        locale = services.locales.locale(user)
        card = step_card(session, services, ticket, step, locale, changes=changes,
                         principal=services.locales.display_name(principal) if principal else None)
        text, blocks = request_message(locale, card)
        outbox.post(session, user, text, blocks, ref=ref(step, user),
                    dedupe_key=f"approval:{step.id}:v{step.version}:{user}")
        outbox.refresh_home(session, user)


def step_closed(session: Session, services: Services, ticket: Ticket, step: ApprovalStep,
                outcome: str | None = None, by: ApprovalStep | None = None) -> None:
    """Every copy of the step's request is updated in place to show what happened (or, for a 合議 member
    still deciding, how far the others are). `by`: the member whose 差戻し or 却下 closed this part."""
    for target, user in _copies(session, step):
        locale = services.locales.locale(user)
        card = step_card(session, services, ticket, step, locale, outcome=outcome or step.status)
        if by is not None:
            card = replace(card, outcome=f"closed_together_{by.status}", decided_by=_decider(services, by, locale),
                           decided_at=local_time(services, by.decided_at, locale))
        text, blocks = request_message(locale, card)
        outbox.update(session, target, text, blocks)
        outbox.refresh_home(session, user)


def inform(session: Session, services: Services, ticket: Ticket, step: ApprovalStep) -> None:
    """回付: the person of this part gets the request's summary and a 確認しました button (no delegate: it
    is for them to read), remembered like an approver's card so the click updates it in place."""
    for user in step.approvers:
        if user == ticket.requester_id:
            continue
        locale = services.locales.locale(user)
        text, blocks = request_message(locale, step_card(session, services, ticket, step, locale))
        outbox.post(session, user, text, blocks, ref=ref(step, user), dedupe_key=f"circulation:{step.id}:{user}")


def step_reassigned(session: Session, services: Services, ticket: Ticket, step: ApprovalStep, admin: str,
                    previous: list[str], reason: str | None = None) -> None:
    """The old approvers' copies say who took the step over, by whose decision and why."""
    names = services.locales.display_name
    for target, user in _copies(session, step):
        locale = services.locales.locale(user)
        card = step_card(session, services, ticket, step, locale, outcome="reassigned")
        card = replace(card, decided_by=names(admin), decided_at=local_time(services, services.clock.now(), locale),
                       reassigned_to=" / ".join(names(a) for a in step.approvers), reason=reason)
        text, blocks = request_message(locale, card)
        outbox.update(session, target, text, blocks)
        outbox.refresh_home(session, user)


def ref(step: ApprovalStep, user: str) -> str:
    return f"approval:{step.id}:{user}"


def _copies(session: Session, step: ApprovalStep) -> list[tuple[str, str]]:
    prefix = f"approval:{step.id}:"
    refs = session.scalars(select(OutboxMessage.ref).where(starts_with(session, OutboxMessage.ref, prefix)).distinct())
    return sorted({(r, r.removeprefix(prefix)) for r in refs if r})


# -- the requester -------------------------------------------------------------------------------
def requester_step_approved(session: Session, services: Services, ticket: Ticket, step: ApprovalStep,
                            waiting_on: list[str] | None) -> None:
    """One approval on the way: who approved, whose approval comes next (the next step's, or a 合議's
    members still deciding). Nothing when nobody is next: the final approval has its own message."""
    if not waiting_on:
        return
    locale = services.locales.locale(ticket.requester_id)
    _to_requester(session, services, ticket, "step_approved", locale,
                  who=_decider(services, step, locale),
                  next=" / ".join(services.locales.display_name(a) for a in dict.fromkeys(waiting_on)),
                  comment=_comment(services, step, locale))


def requester_approved(session: Session, services: Services, ticket: Ticket, step: ApprovalStep | None = None) -> None:
    """The request is approved; `step`, the last one decided (None when no step was decided: all skipped)."""
    locale = services.locales.locale(ticket.requester_id)
    _to_requester(session, services, ticket, "approved", locale, department=_department(services, ticket, locale),
                  comment=_comment(services, step, locale) if step is not None else None)


def _comment(services: Services, step: ApprovalStep, locale: str) -> tuple[str, str] | None:
    """(who, what they wrote) when the approver approved with a comment."""
    return (_decider(services, step, locale), step.comment) if step.status == APPROVED and step.comment else None


def requester_sent_back(session: Session, services: Services, ticket: Ticket, step: ApprovalStep) -> None:
    locale = services.locales.locale(ticket.requester_id)
    labels = {r.key: r.label for r in field_rows(services, ticket, locale)}
    fixes = ", ".join(labels.get(f, f) for f in step.fields_to_fix) or "—"
    _to_requester(session, services, ticket, "sent_back", locale, resubmit=True, who=_decider(services, step, locale),
                  reason=step.comment or "", fields=fixes)


def requester_rejected(session: Session, services: Services, ticket: Ticket, step: ApprovalStep) -> None:
    locale = services.locales.locale(ticket.requester_id)
    _to_requester(session, services, ticket, "rejected", locale, who=_decider(services, step, locale),
                  reason=step.comment or "")


def _to_requester(session: Session, services: Services, ticket: Ticket, key: str, locale: str, *,
                  resubmit: bool = False, comment: tuple[str, str] | None = None, **params: Any) -> None:
    text, blocks = requester_notice(locale, key, number=ticket.number, type_name=type_name(services, ticket, locale),
                                    resubmit_ticket=ticket.id if resubmit else None, comment=comment, **params)
    outbox.post(session, ticket.requester_id, text, blocks)
    outbox.refresh_home(session, ticket.requester_id)


def _decider(services: Services, step: ApprovalStep, locale: str) -> str:
    names = services.locales.display_name
    return who(locale, names(step.decided_by or "?"), names(step.on_behalf_of) if step.on_behalf_of else None)


def _department(services: Services, ticket: Ticket, locale: str) -> str:
    department = services.config.department(ticket.department)
    return department.name.get(locale) if department else ticket.department


# -- delegation ----------------------------------------------------------------------------------
def delegation_created(session: Session, services: Services, d: Delegation) -> None:
    _tell_both(session, services, d, "created")


def delegation_started(session: Session, services: Services, d: Delegation) -> None:
    _tell_both(session, services, d, "started")
    # The delegate now gets the principal's waiting requests, with buttons — except their own
    # requests, which go to the principal's next-up instead (職務分掌).
    for step in pending_for(session, [d.delegator_id]):
        ticket = session.get(Ticket, step.ticket_id)
        if ticket is None:
            continue
        added = segregation.route_around_delegates(session, services, ticket, step)
        if added:
            request_decision(session, services, ticket, step, only=set(added))
        else:
            request_decision(session, services, ticket, step, only={d.delegate_id})


def delegation_ended(session: Session, services: Services, d: Delegation) -> None:
    _tell_both(session, services, d, "ended")


def _tell_both(session: Session, services: Services, d: Delegation, what: str) -> None:
    names = services.locales.display_name
    for user, role in ((d.delegator_id, "principal"), (d.delegate_id, "delegate")):
        locale = services.locales.locale(user)
        text = t(locale, f"approvals.delegation.{what}_{role}", principal=names(d.delegator_id),
                 delegate=names(d.delegate_id), starts=local_time(services, d.starts_at, locale),
                 ends=local_time(services, d.ends_at, locale))
        outbox.post(session, user, text, dedupe_key=f"delegation:{d.id}:{what}:{user}")
        outbox.refresh_home(session, user)


# -- view models ---------------------------------------------------------------------------------
def step_card(session: Session, services: Services, ticket: Ticket, step: ApprovalStep, locale: str, *,
              changes: dict[str, Any] | None = None, principal: str | None = None,
              outcome: str | None = None) -> StepCard:
    rows = field_rows(services, ticket, locale)
    labels = {r.key: r.label for r in rows}
    in_round = [s for s in steps_of(session, ticket.id, step.round)]
    decided = outcome is not None and outcome not in (PENDING, INFORMED)
    names = services.locales.display_name
    together = [(" / ".join(names(a) for a in s.approvers), t(locale, f"approvals.step_status.{s.status}"))
                for s in in_round if s.position == step.position] if step.mode == ALL else []
    decided_by = None
    if decided and step.decided_by:
        decided_by = _decider(services, step, locale)
    return StepCard(
        ticket_number=ticket.number, type_name=type_name(services, ticket, locale),
        title=ticket_title(services, ticket, locale),
        requester=services.locales.display_name(ticket.requester_id), rows=rows,
        step_id=step.id, version=step.version, position=step.position, total=positions(in_round),
        mode=step.mode, together=together,
        why=why_step(services, ticket, step, locale), round=step.round, principal=principal,
        changes=[Change(labels.get(k, k), shown(services, ticket, k, v.get("before"), locale),
                        shown(services, ticket, k, v.get("after"), locale)) for k, v in (changes or {}).items()],
        outcome=outcome if decided else None, decided_by=decided_by,
        decided_at=local_time(services, step.decided_at, locale) if step.decided_at else None,
        reason=step.comment if step.status in (SENT_BACK, "rejected", APPROVED) else None,
        comments=[(_decider(services, s, locale), s.comment) for s in in_round
                  if s.position < step.position and s.status == APPROVED and s.comment],
        fixes=[labels.get(f, f) for f in step.fields_to_fix] if step.status == SENT_BACK else [],
        routed=segregation.note(session, services, ticket, step, locale),
        ticket_id=ticket.id, files=len(attached(rt, ticket.fields or {})) if (rt := request_type(services, ticket))
        else 0, registry=registry_words(registry.last_check(session, ticket.id), locale),
        after_the_fact=after_the_fact.words(services, ticket, locale),
    )


def why_step(services: Services, ticket: Ticket, step: ApprovalStep, locale: str) -> str | None:
    """Why the step is there, in the reader's words; None when its rule cannot be read any more."""
    rule = rule_of_step(services.config, ticket.request_type, step.rule)
    return step_reason(rule, locale, request_type(services, ticket), services.config) if rule else None


def history(session: Session, services: Services, ticket: Ticket, locale: str) -> list[str]:
    lines = []
    for step in steps_of(session, ticket.id):
        approvers = " / ".join(services.locales.display_name(a) for a in step.approvers) or "—"
        status = t(locale, f"approvals.step_status.{step.status}")
        tag = t(locale, f"approvals.mode_tag.{step.mode}") if step.mode in (ALL, FYI) else ""
        line = f"{step.round}-{step.position}.{tag} {escape(approvers)} — {status}"
        if step.status in (APPROVED, SENT_BACK, "rejected", ACKNOWLEDGED) and step.decided_by:
            line += f" ({escape(_decider(services, step, locale))}, {local_time(services, step.decided_at, locale)})"
        if step.comment and step.status == "skipped":
            line += f"\n      {skip_reason(step.comment, locale, services.locales.display_name)}"
        elif step.comment:
            line += f"\n      {escape(step.comment)}"
        lines.append(trusted(line))  # mrkdwn: every part above is escaped or the bot's own
    return lines


def request_type(services: Services, ticket: Ticket) -> Any:
    lookup = getattr(services.config, "request_type", None)
    return lookup(ticket.request_type) if lookup else None


def type_name(services: Services, ticket: Ticket, locale: str) -> str:
    rt = request_type(services, ticket)
    return rt.name.get(locale) if rt is not None else ticket.request_type


def field_rows(services: Services, ticket: Ticket, locale: str) -> list[FieldRow]:
    """Every field of the form (empty ones too: an approver may mark one to fix), each read exactly as
    the requester's receipt reads it (bot.forms.display: dates, yen, option labels, links)."""
    values = ticket.fields or {}
    rt = request_type(services, ticket)
    if rt is None:
        return [FieldRow(k, k, display(v)) for k, v in values.items()]
    return [FieldRow(f.key, f.label.get(locale), shown(services, ticket, f.key, values.get(f.key), locale),
                     mrkdwn_value(rt, f.key, values.get(f.key), locale, services.config)) for f in rt.fields]


def shown(services: Services, ticket: Ticket, key: str, value: Any, locale: str) -> str:
    """One field's value as people read it, as on the receipt (also for a resubmission's diff)."""
    rt = request_type(services, ticket)
    if rt is None or rt.field(key) is None:
        return display(value)
    return display_value(rt, key, value, locale, services.config)


def display(value: Any) -> str:
    """A stored value whose form field is gone from the config (the form's own formatting is in shown())."""
    if value is None or value == "":
        return ""
    if isinstance(value, list):
        return ", ".join(display(v) for v in value)
    if isinstance(value, dict):
        return str(value.get("text") or value.get("value") or value)
    return str(value)


def local_time(services: Services, at: Any, locale: str) -> str:
    """A moment as the requester's receipt writes it (one format per language, bot/i18n/dates.py)."""
    return receipt_time(services, at, locale) or ""


def pending_steps_for(session: Session, services: Services, user: str) -> list[tuple[ApprovalStep, str | None]]:
    """Steps `user` may decide now: their own, and those of people they stand in for — never a step
    of a request `user` made (職務分掌)."""
    own = [(s, None) for s in pending_for(session, [user])]
    now = services.clock.now()
    for d in delegates.active_at(session, now, delegate=user):
        own.extend((s, d.delegator_id) for s in pending_for(session, [d.delegator_id])
                   if user not in s.approvers)
    if not own:
        return own
    mine = set(session.scalars(select(Ticket.id).where(Ticket.id.in_({s.ticket_id for s, _ in own}),
                                                        Ticket.requester_id == user)))
    return [(s, p) for s, p in own if s.ticket_id not in mine]


def longest_waiting(session: Session, services: Services, user: str, limit: int
                    ) -> tuple[list[tuple[ApprovalStep, Ticket, str | None]], int]:
    """Up to `limit` of the steps `user` may decide now (pending_steps_for), due soonest first, each with its
    ticket and the principal it is decided for; and how many there are in all (App Home, まとめて承認)."""
    pending = pending_steps_for(session, services, user)
    now = services.clock.now()
    pending.sort(key=lambda pair: (pair[0].due_at or now, pair[0].id))
    found = []
    for step, principal in pending[:limit]:
        ticket = session.get(Ticket, step.ticket_id)
        if ticket is not None:
            found.append((step, ticket, principal))
    return found, len(pending)

