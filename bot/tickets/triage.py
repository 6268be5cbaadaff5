"""The triage desk's transitions: claim (担当する), assign (担当者変更), hold (保留: ask the requester;
the SLA clock pauses), resolve (解決), re-route (部署変更). Each locks the ticket, checks who may, moves
the status through the state machine, writes one audit event and tells the people concerned."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.errors import AlreadyDecided, ValidationFailed
from bot.forms.clean import free_text
from bot.i18n import t
from bot.i18n.mrkdwn import mention
from bot.slack_ids import TicketBlock
from bot.ticket_states import (
    APPROVED,
    IN_PROGRESS,
    ON_DESK,
    ON_HOLD,
    RESOLVED,
    SUBMITTED,
    UNCLAIMED,
    require,
    transition,
)
from bot.tickets import access, conversation, notify, sla, store
from bot.tickets.audit_trail import record
from bot.tickets.summary import department_name, local_time
from models import ApprovalStep, Ticket

if TYPE_CHECKING:
    from bot.services import Services

HELD = "ticket.put_on_hold"


def _required(text: str | None, block: str, locale: str) -> str:
    """Required free text, control characters stripped, within FREE_TEXT_MAX (bot/forms/clean.py)."""
    return free_text(text, block, locale)


def claim(session: Session, services: Services, ticket_id: int, actor: str) -> Ticket:
    ticket = store.lock(session, ticket_id)
    access.require_agent(services.config, ticket, actor)
    if ticket.status in (IN_PROGRESS, ON_HOLD) and ticket.assignee_id:
        raise AlreadyDecided(who=services.locales.display_name(ticket.assignee_id),
                             when=local_time(services, ticket.first_responded_at or ticket.updated_at,
                                             services.locales.locale(actor)) or "")
    now = services.clock.now()
    before = ticket.status
    transition(ticket, IN_PROGRESS, "claim", now)
    ticket.assignee_id = actor
    ticket.updated_at = now
    sla.responded(ticket, now)
    record(session, services, ticket, actor, "claimed", before={"status": before},
           after={"status": IN_PROGRESS, "assignee": actor})
    notify.changed(session, services, ticket)
    notify.tell_requester(session, services, ticket, "claimed", who=mention(actor))
    return ticket


def assign(session: Session, services: Services, ticket_id: int, actor: str, assignee: str | None,
           locale: str) -> Ticket:
    ticket = store.lock(session, ticket_id)
    access.require_agent(services.config, ticket, actor)
    require(ticket, ON_DESK, "assign")
    if not assignee or assignee not in access.agents(services.config, ticket.department):
        raise ValidationFailed({TicketBlock.ASSIGNEE: t(locale, "tickets.errors.assignee")})
    now = services.clock.now()
    before = {"status": ticket.status, "assignee": ticket.assignee_id}
    previous = ticket.assignee_id
    if ticket.status in UNCLAIMED:
        transition(ticket, IN_PROGRESS, "assign", now)
    else:
        ticket.version += 1
    ticket.assignee_id = assignee
    ticket.updated_at = now
    sla.responded(ticket, now)
    record(session, services, ticket, actor, "assigned", before=before,
           after={"status": ticket.status, "assignee": assignee})
    notify.changed(session, services, ticket, previous)
    if assignee != actor:
        notify.tell_agent(session, services, ticket, assignee, "assigned", by=mention(actor))
    if assignee != previous:
        notify.tell_requester(session, services, ticket, "assigned", who=mention(assignee))
    return ticket


def hold(session: Session, services: Services, ticket_id: int, actor: str, question: str | None,
         locale: str) -> Ticket:
    ticket = store.lock(session, ticket_id)
    access.require_agent(services.config, ticket, actor)
    question = _required(question, TicketBlock.QUESTION, locale)
    now = services.clock.now()
    before = {"status": ticket.status, "assignee": ticket.assignee_id}
    transition(ticket, ON_HOLD, "hold", now)
    ticket.assignee_id = ticket.assignee_id or actor
    ticket.updated_at = now
    sla.responded(ticket, now)
    sla.pause(ticket, now)
    record(session, services, ticket, actor, "put_on_hold", before=before,
           after={"status": ON_HOLD, "assignee": ticket.assignee_id}, reason=question)
    notify.changed(session, services, ticket)
    conversation.ask_requester(session, services, ticket, actor, question, holds(session, ticket))
    notify.card_thread(session, services, ticket,
                       t(notify.desk_locale(services), "tickets.thread.asked", who=mention(actor), question=question))
    return ticket


def holds(session: Session, ticket: Ticket) -> int:
    """How many times this ticket was put on hold (numbers each hold's question message)."""
    return len(audit.events(session, action=HELD, ticket_id=ticket.id))


def last_question(session: Session, ticket: Ticket) -> tuple[str, str]:
    """(question, who asked) of the latest hold."""
    held = audit.events(session, action=HELD, ticket_id=ticket.id)
    return (held[-1].reason or "", held[-1].actor_id) if held else ("", "")


def resolve(session: Session, services: Services, ticket_id: int, actor: str, note: str | None,
            locale: str) -> Ticket:
    ticket = store.lock(session, ticket_id)
    access.require_agent(services.config, ticket, actor)
    note = _required(note, TicketBlock.NOTE, locale)
    now = services.clock.now()
    before = {"status": ticket.status, "assignee": ticket.assignee_id}
    transition(ticket, RESOLVED, "resolve", now)
    sla.resume(ticket, services.calendar, now)
    ticket.assignee_id = ticket.assignee_id or actor
    ticket.resolution_note = note
    ticket.resolved_at = now
    ticket.updated_at = now
    sla.responded(ticket, now)
    record(session, services, ticket, actor, "resolved", before=before,
           after={"status": RESOLVED, "assignee": ticket.assignee_id}, reason=note)
    notify.changed(session, services, ticket)
    conversation.ask_rating(session, services, ticket, actor, note)
    return ticket


def reroute(session: Session, services: Services, ticket_id: int, actor: str, department: str | None,
            reason: str | None, locale: str) -> Ticket:
    ticket = store.lock(session, ticket_id)
    access.require_agent(services.config, ticket, actor)
    require(ticket, ON_DESK, "reroute")
    target = services.config.department(department or "")
    if target is None or target.key == ticket.department:
        raise ValidationFailed({TicketBlock.DEPARTMENT: t(locale, "tickets.errors.department")})
    reason = _required(reason, TicketBlock.REASON, locale)
    now = services.clock.now()
    old_ref = store.card_ref(session, ticket)
    before = {"department": ticket.department, "status": ticket.status, "assignee": ticket.assignee_id}
    previous_assignee = ticket.assignee_id
    if ticket.status not in UNCLAIMED:
        sla.resume(ticket, services.calendar, now)
        transition(ticket, _unclaimed_status(session, ticket), "reroute", now)
    else:
        ticket.version += 1
    ticket.department = target.key
    ticket.assignee_id = None
    ticket.updated_at = now
    record(session, services, ticket, actor, "rerouted", before=before,
           after={"department": target.key, "status": ticket.status, "assignee": None}, reason=reason)
    desk = notify.desk_locale(services)
    notify.update_card(session, services, ticket, ref=old_ref, moved_to=department_name(services, target.key, desk),
                       reason=reason)
    notify.post_card(session, services, ticket)
    notify.changed(session, services, ticket, previous_assignee)
    requester_locale = notify.requester_locale(services, ticket)
    notify.tell_requester(session, services, ticket, "rerouted",
                          before=department_name(services, before["department"] or "", requester_locale),
                          after=department_name(services, target.key, requester_locale), reason=reason)
    return ticket


def _unclaimed_status(session: Session, ticket: Ticket) -> str:
    """Back on a desk unclaimed: `approved` when it went through approval, else `submitted`."""
    approved = session.scalar(select(ApprovalStep.id).where(ApprovalStep.ticket_id == ticket.id).limit(1))
    return APPROVED if approved is not None else SUBMITTED
