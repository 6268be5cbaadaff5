"""Segregation of duties (職務分掌): nobody decides a step of their own request.

One home for the rule, in three parts:

- `check` — at decision time (decide, the reason modal, re-assignment): the requester is refused
  whatever the path (an approver of the step, a delegate, an admin), a delegation never lets anyone
  stand in for the requester, and who decides — and for whom — is re-checked against the org
  directory as it is *now* (someone removed from the config cannot decide a step assigned earlier).
- `next_up` — who is asked instead when the approver would be the requester: the person's manager
  (walking up past people without a Slack account), else the request's department's approvers.
  Used when the chain is built (bot.approvals.chain) and when a delegation would hand a step to the
  requester (`route_around_delegates`).
- `recipients` — who is asked to decide a pending step: its approvers and their active delegates,
  never the requester.

Every routing is recorded in the audit trail as `step.routed`; the requester and the person asked
are told why, in their language (`note`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot import audit, outbox
from bot.approvals import delegates
from bot.config.workspace import WorkspaceConfig
from bot.errors import NotAuthorized
from bot.i18n import LOCALES, t
from bot.i18n.mrkdwn import trusted
from bot.tickets.summary import type_name
from models import ApprovalStep, Ticket

if TYPE_CHECKING:
    from bot.services import Services

ROUTED = "step.routed"
REQUESTER_IS_APPROVER, DELEGATE_IS_REQUESTER = "requester_is_approver", "delegate_is_requester"
VIA_MANAGER, VIA_DEPARTMENT = "manager", "department"


class OwnRequest(NotAuthorized):
    """The requester tried to decide (or re-assign) a step of their own request."""

    key = "approvals.errors.own_request"


class NotInDirectory(NotAuthorized):
    """The approver (or the person a delegate stands in for) is no longer in the org directory."""

    key = "approvals.errors.not_in_directory"

    def __init__(self, number: str, approver: str, admins: str):
        super().__init__(f"{approver} is not in the org directory (ticket {number})", number=number,
                         approver=approver, admins=admins)


class NotAnApprover(NotAuthorized):
    """Someone who may not decide clicked a decision button (a forwarded message, a colleague's
    screen…): they learn which request it is and who can decide it."""

    key = "approvals.errors.not_approver"

    def __init__(self, number: str, type_names: dict[str, str], requester: str, deciders: list[str]):
        super().__init__(f"not an approver of {number}", number=number, requester=requester)
        self.type_names = type_names
        self.deciders = deciders

    def message(self, locale: str) -> str:
        if not self.deciders:  # nobody may decide it now (an admin re-assigns): say only what concerns them
            return t(locale, "approvals.errors.not_approver_alone", number=self.params["number"],
                     requester=self.params["requester"], type=self.type_names.get(locale) or self.type_names["ja"])
        people = t(locale, "approvals.errors.people_separator").join(
            t(locale, "approvals.errors.person", name=n) for n in self.deciders)
        return t(locale, self.key, number=self.params["number"], requester=self.params["requester"],
                 type=self.type_names.get(locale) or self.type_names["ja"], deciders=trusted(people))


# -- at decision time --------------------------------------------------------------------------------
def refuse_own(ticket: Ticket, actor: str) -> None:
    if actor == ticket.requester_id:
        raise OwnRequest(f"{actor} is the requester of {ticket.number}")


def check(session: Session, services: Services, step: ApprovalStep, ticket: Ticket, actor: str) -> str | None:
    """None when `actor` may decide as an approver of the step; the approver they stand in for when a
    delegate. Raises OwnRequest, NotAuthorized or NotInDirectory."""
    refuse_own(ticket, actor)
    principal = None
    if actor not in step.approvers:
        others = [a for a in step.approvers if a != ticket.requester_id]  # nobody stands in for the requester
        principal = delegates.acting_for(session, actor, others, services.clock.now())
        if principal is None:
            raise not_an_approver(session, services, step, ticket)
    for person in (actor, principal):
        if person is not None and services.config.person_for_slack_id(person) is None:
            names = services.locales.display_name
            admins = " / ".join(names(a) for a in services.config.admin_slack_ids()) or "—"
            raise NotInDirectory(ticket.number, names(person), admins)
    return principal


def not_an_approver(session: Session, services: Services, step: ApprovalStep, ticket: Ticket) -> NotAnApprover:
    names = services.locales.display_name
    deciders = [names(u) for u in recipients(session, step, ticket, services.clock.now())]
    return NotAnApprover(ticket.number, {loc: type_name(services, ticket, loc) for loc in LOCALES},
                         names(ticket.requester_id), deciders)


def recipients(session: Session, step: ApprovalStep, ticket: Ticket, now: datetime) -> dict[str, str | None]:
    """user → the approver they stand in for (None for the approvers themselves); never the requester."""
    found: dict[str, str | None] = {a: None for a in step.approvers if a != ticket.requester_id}
    for deputy, principal in delegates.delegates_of(session, list(found), now).items():
        if deputy != ticket.requester_id:
            found.setdefault(deputy, principal)
    return found


# -- who is asked instead ------------------------------------------------------------------------------
@dataclass(frozen=True)
class NextUp:
    approvers: list[str]
    via: str  # VIA_MANAGER | VIA_DEPARTMENT


def next_up(config: WorkspaceConfig, person: str, department: str | None, excluded: Sequence[str]) -> NextUp | None:
    """Who decides in `person`'s place: their manager (up the org chart, past people without Slack or
    listed in `excluded`), else the department's approvers; None when there is nobody."""
    me = config.person_for_slack_id(person)
    key, seen = (me.manager if me else None), {me.key if me else ""}
    while key is not None and key not in seen:
        seen.add(key)
        boss = config.org.by_key(key)
        if boss is None:
            break
        if boss.slack_id and boss.slack_id not in excluded:
            return NextUp([boss.slack_id], VIA_MANAGER)
        key = boss.manager
    found = config.department(department or "")
    if found is not None:
        ids = [s for s in config.slack_ids(found.approvers) if s not in excluded]
        if ids:
            return NextUp(list(dict.fromkeys(ids)), VIA_DEPARTMENT)
    return None


def route_around_delegates(session: Session, services: Services, ticket: Ticket, step: ApprovalStep) -> list[str]:
    """A pending step whose approver is away with the requester as delegate is also given to that
    approver's next-up (the approver can still decide). Returns the people added (to be asked)."""
    now = services.clock.now()
    away = {d.delegator_id for d in delegates.active_at(session, now, delegators=step.approvers,
                                                         delegate=ticket.requester_id)}
    added: list[str] = []
    for approver in [a for a in step.approvers if a in away and a != ticket.requester_id]:
        excluded = [ticket.requester_id, approver]
        found = next_up(services.config, approver, ticket.department, excluded)
        if found is None:
            continue
        fresh = [p for p in found.approvers if p not in step.approvers]
        if not fresh:
            continue
        before = list(step.approvers)
        step.approvers = [*before, *fresh]
        session.flush()
        record_routing(session, services, ticket, step, before=before, why=DELEGATE_IS_REQUESTER, via=found.via,
                       to=fresh, instead_of=approver)
        added.extend(fresh)
    return added


def record_routing(session: Session, services: Services, ticket: Ticket, step: ApprovalStep, *, before: list[str],
                   why: str, via: str, to: list[str], instead_of: str) -> None:
    """The audit event (the record the cards read their note from) and the requester's message."""
    audit.record(session, actor="system", action=ROUTED, subject=f"step:{step.id}", ticket_id=ticket.id,
                 before={"approvers": before},
                 after={"approvers": list(step.approvers), "why": why, "via": via, "to": to, "instead_of": instead_of,
                        "round": step.round, "position": step.position},
                 reason=f"{why} (via {via})", at=services.clock.now())
    locale = services.locales.locale(ticket.requester_id)
    text = t(locale, "approvals.routed.to_requester", number=ticket.number, type=type_name(services, ticket, locale),
             note=_words(services, ticket, locale, why=why, via=via, to=to, instead_of=instead_of))
    outbox.post(session, ticket.requester_id, text,
                dedupe_key=f"routed:{step.id}:{why}:{','.join(to)}:{ticket.requester_id}")


def note(session: Session, services: Services, ticket: Ticket, step: ApprovalStep, locale: str) -> str | None:
    """Why this step is with whom it is with, when it was routed around the requester; else None."""
    events = audit.events(session, action=ROUTED, ticket_id=ticket.id, subject=f"step:{step.id}")
    lines = [_words(services, ticket, locale, **_fields(e.after or {})) for e in events]
    return "\n".join(lines) or None


def _fields(after: dict[str, Any]) -> dict[str, Any]:
    return {"why": after.get("why", REQUESTER_IS_APPROVER), "via": after.get("via", VIA_MANAGER),
            "to": list(after.get("to") or []), "instead_of": after.get("instead_of", "")}


def _words(services: Services, ticket: Ticket, locale: str, *, why: str, via: str, to: list[str],
           instead_of: str) -> str:
    names = services.locales.display_name
    department = services.config.department(ticket.department)
    return t(locale, f"approvals.routed.{why}_{via}", to=" / ".join(names(p) for p in to),
             principal=names(instead_of) if instead_of else "",
             department=department.name.get(locale) if department else ticket.department)
