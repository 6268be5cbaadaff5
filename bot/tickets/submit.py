"""Submitting a request: validated again on the server, numbered, given SLA due times, routed, and
created exactly once per submission (a Slack retry or a double click finds the first ticket)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import outbox
from bot.config.catalog import RequestType
from bot.faqdesk.asking import link_escalated_question
from bot.forms import title_for, validate_form
from bot.routing import RouteDecision
from bot.routing.router import router_for
from bot.ticket_states import SUBMITTED
from bot.tickets import notify, store
from bot.tickets.audit_trail import record
from bot.tickets.desk import route_to_triage
from bot.tickets.numbering import next_number
from bot.tickets.sla import set_initial_dues
from bot.tickets.workspace import department_keys, request_type, today
from models import SlackMessageRef, Ticket

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Origin:
    """Where a ticket came from: a form, a message (shortcut or 🎫), the FAQ, or another ticket."""

    via: str = "form"
    channel: str | None = None
    ts: str | None = None
    thread_ts: str | None = None
    faq_query: int | None = None  # the FAQ question ("ask a person") this ticket continues


def submit(session: Session, services: Services, *, requester: str, type_key: str, raw: dict[str, Any],
           locale: str, submission_key: str | None, origin: Origin = Origin(), actor: str | None = None) -> Ticket:
    """The new ticket, or the one this submission already created."""
    if submission_key and (existing := store.by_submission(session, submission_key)) is not None:
        return existing
    rt = request_type(services, type_key)
    values = validate_form(rt, raw, locale=locale, today=today(services), departments=department_keys(services))
    department, decision = choose_department(services, rt, values)
    ticket = open_ticket(session, services, rt=rt, requester=requester, values=values, department=department,
                         locale=locale, submission_key=submission_key, origin=origin, actor=actor or requester,
                         route=decision)
    if origin.faq_query is not None:
        link_escalated_question(session, origin.faq_query, ticket_id=ticket.id, requester=requester)
    return ticket


def choose_department(services: Services, rt: RequestType, values: dict[str, Any]) -> tuple[str, RouteDecision | None]:
    by = rt.department_by
    if by is not None and str(values.get(by.field)) in by.values:
        return by.values[str(values[by.field])], None
    if not rt.routed:
        return rt.department, None
    chosen = next((values[f.key] for f in rt.fields if f.type == "department" and values.get(f.key)), None)
    if chosen:
        return chosen, RouteDecision(chosen, 1.0, ["chosen by the requester"])
    decision = router_for(services).route(free_text(rt, values))
    return decision.department, decision


def free_text(rt: RequestType, values: dict[str, Any]) -> str:
    keys = [rt.free_text.subject, rt.free_text.body] if rt.free_text else [
        f.key for f in rt.fields if f.type in ("text", "textarea")]
    return "\n".join(str(values[k]) for k in keys if k and values.get(k))


def open_ticket(session: Session, services: Services, *, rt: RequestType, requester: str, values: dict[str, Any],
                department: str, locale: str, submission_key: str | None, origin: Origin, actor: str,
                route: RouteDecision | None = None, parent: Ticket | None = None) -> Ticket:
    dept = services.config.department(department) or services.config.department(services.config.routing.fallback)
    assert dept is not None  # the config check guarantees the fallback department exists
    now = services.clock.now()
    try:
        # A savepoint: when a concurrent copy of this submission won the unique submission_key, only
        # this insert (and its ticket number) is undone, and we answer with the winner's ticket.
        with session.begin_nested():
            seq, number = next_number(session, dept)
            ticket = Ticket(
                number=number, department=dept.key, seq=seq, request_type=rt.key,
                title=title_for(rt, values, services.config.default_locale, services.config), fields=values,
                requester_id=requester, status=SUBMITTED, confidential=rt.confidential, locale=locale,
                submission_key=submission_key, parent_id=parent.id if parent else None,
                created_at=now, updated_at=now,
            )
            set_initial_dues(ticket, rt, services.calendar, now)
            session.add(ticket)
            session.flush()
    except IntegrityError:
        existing = store.by_submission(session, submission_key) if submission_key else None
        if existing is None:
            raise
        log.info("submission %s already created %s", submission_key, existing.number)
        return existing
    if origin.channel and origin.ts:
        session.merge(SlackMessageRef(ref=store.source_ref(ticket), channel=origin.channel,
                                      ts=origin.thread_ts or origin.ts))
    record(session, services, ticket, actor, "submitted", after={
        "number": number, "type": rt.key, "department": dept.key, "status": SUBMITTED, "requester": requester,
        "fields": values, "via": origin.via, **({"route": route.as_dict()} if route else {}),
        **({"parent": parent.number} if parent else {}),
    })
    waits = parent is None and services.lifecycle.start_approval(session, services, ticket, actor)
    if not waits:
        route_to_triage(session, services, ticket, actor)
    if parent is None:  # a linked ticket is announced on its parent's receipt instead
        notify.post_receipt(session, services, ticket)
    outbox.refresh_home(session, requester)
    return ticket
