"""Submitting a request: validated again on the server, numbered, given SLA due times, routed, and
created exactly once per submission (a Slack retry or a double click finds the first ticket).

Then handing it to its department's triage desk (`route_to_triage`): the card in the triage channel,
and the linked tickets the request type opens (e.g. onboarding → IT accounts), each submitted here in
turn. Called at submission when no approval is needed, and by the approvals flow after the final
approval."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import outbox
from bot.config.catalog import FollowUp, MappedValue, RequestType
from bot.errors import ValidationFailed
from bot.faqdesk.asking import link_escalated_question
from bot.forms import display_value, title_for, validate_form
from bot.receipts import records, registry
from bot.receipts.attachments import Fetches, fetch_attached
from bot.receipts.fetch import FileSource
from bot.receipts.registry import Registration
from bot.routing import RouteDecision
from bot.ticket_states import SUBMITTED
from bot.tickets import notify, store
from bot.tickets.audit_trail import record
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
           locale: str, submission_key: str | None, origin: Origin = Origin(), actor: str | None = None,
           files: FileSource | None = None) -> Ticket:
    """The new ticket, or the one this submission already created. Attached files are fetched from `files`
    before anything is written (bot/receipts/attachments.py)."""
    rt = request_type(services, type_key)
    values = validate_form(rt, raw, locale=locale, today=today(services), departments=department_keys(services),
                           evidence=services.config.evidence)
    # Files and the registry are fetched before the first query: the transaction (on SQLite, the one writer's
    # lock) is not held while another server answers. A double click may fetch twice; it still makes one ticket.
    fetched = fetch_attached(rt, values, files, locale=locale, evidence=services.config.evidence)
    registration = registry.lookup_for(services, rt.receipt, values)
    if submission_key and (existing := store.first_copy(session, submission_key)) is not None:
        return existing
    department, decision = choose_department(services, rt, values)
    ticket = open_ticket(session, services, rt=rt, requester=requester, values=values, department=department,
                         locale=locale, submission_key=submission_key, origin=origin, actor=actor or requester,
                         route=decision, fetched=fetched, registration=registration)
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
    decision = services.router.route(free_text(rt, values))
    return decision.department, decision


def free_text(rt: RequestType, values: dict[str, Any]) -> str:
    keys = [rt.free_text.subject, rt.free_text.body] if rt.free_text else [
        f.key for f in rt.fields if f.type in ("text", "textarea")]
    return "\n".join(str(values[k]) for k in keys if k and values.get(k))


def open_ticket(session: Session, services: Services, *, rt: RequestType, requester: str, values: dict[str, Any],
                department: str, locale: str, submission_key: str | None, origin: Origin, actor: str,
                route: RouteDecision | None = None, parent: Ticket | None = None, fetched: Fetches | None = None,
                registration: Registration | None = None) -> Ticket:
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
    records.keep(session, services, ticket, rt, values, fetched or {}, actor, registration)
    waits = parent is None and services.lifecycle.start_approval(session, services, ticket, actor)
    if not waits:
        route_to_triage(session, services, ticket, actor)
    if parent is None:  # a linked ticket is announced on its parent's receipt instead
        notify.post_receipt(session, services, ticket)
    outbox.refresh_home(session, requester)
    return ticket


# -- the triage desk ------------------------------------------------------------------------------
def route_to_triage(session: Session, services: Services, ticket: Ticket, actor: str) -> None:
    # Linked tickets first, so the card and the receipt already name them.
    opened = open_follow_ups(session, services, ticket, actor)
    notify.post_card(session, services, ticket)
    if opened and store.posted(session, store.receipt_ref(ticket)):
        # After an approval: the receipt exists; at submission it is posted next and lists them itself.
        notify.update_receipt(session, services, ticket)
        notify.tell_requester(session, services, ticket, "follow_ups", numbers=", ".join(t.number for t in opened))
    else:
        notify.update_receipt(session, services, ticket)
    outbox.refresh_home(session, ticket.requester_id)


def open_follow_ups(session: Session, services: Services, parent: Ticket, actor: str) -> list[Ticket]:
    rt = services.config.request_type(parent.request_type)
    if rt is None:
        return []
    opened = []
    for i, follow in enumerate(rt.follow_ups):
        target = services.config.request_type(follow.request_type)
        if target is None or not all(c.holds(parent.fields or {}) for c in follow.when):
            continue
        key = f"follow_up:{parent.id}:{i}"
        if store.by_submission(session, key) is not None:
            continue
        values = follow_up_values(services, follow, rt, target, parent.fields or {})
        department = target.department_by.values.get(str(values.get(target.department_by.field)),
                                                      target.department) if target.department_by else target.department
        opened.append(open_ticket(session, services, rt=target, requester=parent.requester_id, values=values,
                                  department=department, locale=parent.locale, submission_key=key,
                                  origin=Origin(via="follow_up"), actor="system", parent=parent))
    return opened


def follow_up_values(services: Services, follow: FollowUp, source: RequestType, target: RequestType,
                     values: dict[str, Any]) -> dict[str, Any]:
    locale = services.config.default_locale
    shown = {k: display_value(source, k, v, locale, services.config) for k, v in values.items()}
    out: dict[str, Any] = {}
    for key, spec in follow.fields.items():
        if isinstance(spec, MappedValue):
            value = values.get(spec.from_)
            if isinstance(value, list):
                out[key] = [spec.map.get(str(v), v) for v in value]
            elif value is not None:
                out[key] = spec.map.get(str(value), value)
        elif spec.startswith("{") and spec.endswith("}") and spec[1:-1] in values:
            out[key] = values[spec[1:-1]]  # one whole field: keep its value (a date stays a date)
        else:
            out[key] = spec.format_map(_Blank(shown)).strip()
    try:
        return validate_form(target, out, locale=locale, today=today(services), departments=department_keys(services))
    except ValidationFailed as exc:
        # The parent's values were validated already; a follow-up must never stop the parent.
        log.warning("follow-up %s of %s kept as mapped despite: %s", target.key, source.key, exc)
        return {k: v for k, v in out.items() if v not in (None, "", [])}


class _Blank(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""
