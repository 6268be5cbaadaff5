"""The requester's transitions: answer the desk's question (the SLA clock restarts), withdraw (取り下げ;
open approval steps are cancelled), rate the resolution (1 click, closes the ticket; still counted when the
ticket closed by itself unrated), and resubmit a
sent-back request (再提出; the approval chain resumes — the approvals side opens the flagged form)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot.errors import AlreadyDecided, InvalidTransition, NotFound
from bot.forms import title_for, validate_form
from bot.forms.clean import free_text
from bot.i18n import t
from bot.i18n.mrkdwn import mention
from bot.receipts import records as receipts
from bot.receipts import registry
from bot.receipts.attachments import fetch_attached, file_fields
from bot.receipts.fetch import FileSource
from bot.slack_ids import TicketBlock
from bot.ticket_states import CLOSED, IN_PROGRESS, ON_HOLD, SENT_BACK, WITHDRAWABLE, WITHDRAWN, transition
from bot.tickets import access, conversation, notify, sla, store
from bot.tickets.audit_trail import record
from bot.tickets.summary import local_time
from bot.tickets.triage import holds, last_question
from bot.tickets.workspace import department_keys, request_type, today
from models import Ticket

if TYPE_CHECKING:
    from bot.services import Services


def question_for(session: Session, services: Services, ticket_id: int, actor: str) -> tuple[Ticket, str]:
    """For the answer modal: the ticket on hold and the question asked (requester only)."""
    ticket = store.get(session, ticket_id)
    access.require_requester(ticket, actor)
    if ticket.status != ON_HOLD:
        raise InvalidTransition(ticket.status, "answer")
    return ticket, last_question(session, ticket)[0]


def answer(session: Session, services: Services, ticket_id: int, actor: str, text: str | None,
           locale: str) -> Ticket:
    ticket = store.lock(session, ticket_id)
    access.require_requester(ticket, actor)
    if ticket.status != ON_HOLD:  # nothing was asked (or it was answered already)
        raise InvalidTransition(ticket.status, "answer")
    text = free_text(text, TicketBlock.ANSWER, locale)
    now = services.clock.now()
    question, asker = last_question(session, ticket)
    transition(ticket, IN_PROGRESS, "answer", now)
    waited = sla.resume(ticket, services.calendar, now)
    ticket.updated_at = now
    record(session, services, ticket, actor, "answered", before={"status": ON_HOLD},
           after={"status": IN_PROGRESS, "paused_business_hours": round(waited, 2)}, reason=text)
    conversation.question_answered(session, services, ticket, asker, question, text, holds(session, ticket))
    notify.changed(session, services, ticket)
    if ticket.assignee_id:
        notify.tell_agent(session, services, ticket, ticket.assignee_id, "answered", body=text)
    notify.card_thread(session, services, ticket, t(notify.desk_locale(services), "tickets.thread.answered",
                                                    who=mention(actor), answer=text))
    return ticket


def withdraw(session: Session, services: Services, ticket_id: int, actor: str) -> Ticket:
    ticket = store.lock(session, ticket_id)
    access.require_requester(ticket, actor)
    if ticket.status not in WITHDRAWABLE:
        raise InvalidTransition(ticket.status, "withdraw")
    now = services.clock.now()
    before = ticket.status
    transition(ticket, WITHDRAWN, "withdraw", now)
    ticket.sla_paused_at = None
    ticket.updated_at = now
    record(session, services, ticket, actor, "withdrawn", before={"status": before}, after={"status": WITHDRAWN})
    services.lifecycle.cancel_approval(session, services, ticket, actor)
    notify.changed(session, services, ticket)
    if ticket.assignee_id and ticket.assignee_id != actor:
        notify.tell_agent(session, services, ticket, ticket.assignee_id, "withdrawn")
    notify.tell_requester(session, services, ticket, "withdrawn")
    return ticket


def rate(session: Session, services: Services, ticket_id: int, actor: str, score: int) -> Ticket:
    ticket = store.lock(session, ticket_id)
    access.require_requester(ticket, actor)
    if score not in range(1, 6):
        raise NotFound(f"rating {score}")
    if ticket.status == CLOSED and ticket.satisfaction:
        raise AlreadyDecided(who=services.locales.display_name(actor),
                             when=local_time(services, ticket.closed_at, services.locales.locale(actor)) or "")
    now = services.clock.now()
    before = ticket.status
    if ticket.status != CLOSED:
        transition(ticket, CLOSED, "rate", now)
    # else: closed by itself while nobody rated (bot/tickets/closing.py) — a late rating still counts.
    ticket.satisfaction = score
    ticket.updated_at = now
    record(session, services, ticket, actor, "rated", before={"status": before},
           after={"status": CLOSED, "satisfaction": score})
    conversation.rated(session, services, ticket)
    notify.changed(session, services, ticket)
    return ticket


# -- resubmission after a send-back (差戻し → 再提出) -------------------------------------------------
def resubmit(session: Session, services: Services, ticket_id: int, actor: str, raw: dict[str, Any],
             locale: str, files: FileSource | None = None) -> Ticket:
    # Validated and its files fetched before the ticket is locked: no transaction (on SQLite, the one writer's
    # lock) waits on Slack's file host. The ticket is read again under its lock below.
    with services.read_sessions() as reader:
        seen = store.get(reader, ticket_id)
        access.require_requester(seen, actor)
        rt = request_type(services, seen.request_type)
        earlier = dict(seen.fields or {})
    # A file input left empty keeps the files already attached (Slack cannot show them in the input).
    kept = {key: earlier[key] for key in file_fields(rt) if not raw.get(key) and earlier.get(key)}
    values = validate_form(rt, {**raw, **kept}, locale=locale, today=today(services),
                           departments=department_keys(services), evidence=services.config.evidence)
    values.update(kept)
    fetched = fetch_attached(rt, values, files, locale=locale, evidence=services.config.evidence)
    registration = registry.lookup_for(services, rt.receipt, values)
    ticket = store.lock(session, ticket_id)
    if ticket.status != SENT_BACK:
        raise InvalidTransition(ticket.status, "resubmit")
    old = dict(ticket.fields or {})
    changes = {k: {"before": old.get(k), "after": values.get(k)}
               for k in dict.fromkeys([*old, *values]) if old.get(k) != values.get(k)}
    ticket.fields = values
    ticket.title = title_for(rt, values, services.config.default_locale, services.config)
    ticket.updated_at = services.clock.now()
    # The corrected receipt record is a new version beside the old (bot/receipts/records.py).
    receipts.keep(session, services, ticket, rt, values, fetched, actor, registration)
    # The approvals flow records the resubmission (with these changes) and moves the status.
    services.lifecycle.resume_approval(session, services, ticket, actor, changes)
    notify.changed(session, services, ticket)
    return ticket
