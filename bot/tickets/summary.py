"""A ticket as people read it: TicketFacts in one locale (labels, yen, local times, linked numbers)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.forms import field_rows, title_for
from bot.i18n.dates import format_datetime
from bot.i18n.mrkdwn import escape
from bot.receipts.records import attached
from bot.ticket_states import PENDING_APPROVAL
from bot.tickets import store
from bot.tickets.facts_view import TicketFacts
from models import SlackMessageRef, Ticket

if TYPE_CHECKING:
    from bot.services import Services


def local_time(services: Services, when: datetime | None, locale: str) -> str | None:
    """`when` in the workspace's time zone, worded for `locale` (bot/i18n/dates.py), or None."""
    if when is None:
        return None
    return format_datetime(when, locale, services.calendar.tz)


def type_name(services: Services, ticket: Ticket, locale: str) -> str:
    rt = services.config.request_type(ticket.request_type)
    return rt.name.get(locale) if rt else ticket.request_type


def ticket_title(services: Services, ticket: Ticket, locale: str) -> str:
    """The ticket's title in the reader's language, made at read time from its type's title fields and
    its stored values ("Local transport / ¥4,000 / taxi" for an English reader, "交通費 / ¥4,000 / taxi"
    for a Japanese one). The stored `title` (the company's default language, written at submission) is
    what exports read, and it is shown as it is when the values no longer make it (a type removed from the
    config, title_fields changed since, a title written some other way): never a title it did not have."""
    rt = services.config.request_type(ticket.request_type)
    if rt is None:
        return ticket.title
    config = services.config
    fields = ticket.fields or {}
    if locale == config.default_locale or title_for(rt, fields, config.default_locale, config) != ticket.title:
        return ticket.title
    return title_for(rt, fields, locale, config)


def department_name(services: Services, key: str, locale: str) -> str:
    department = services.config.department(key)
    return department.name.get(locale) if department else key


def facts(session: Session, services: Services, ticket: Ticket, locale: str) -> TicketFacts:
    rt = services.config.request_type(ticket.request_type)
    rows = field_rows(rt, ticket.fields or {}, locale, services.config) if rt else []
    source = session.get(SlackMessageRef, store.source_ref(ticket))
    parent = session.get(Ticket, ticket.parent_id) if ticket.parent_id else None
    return TicketFacts(
        id=ticket.id,
        number=ticket.number,
        type_name=type_name(services, ticket, locale),
        emoji=(rt.emoji or "") if rt else "",
        title=escape(ticket_title(services, ticket, locale)),
        status=ticket.status,
        department=department_name(services, ticket.department, locale),
        department_key=ticket.department,
        requester_id=ticket.requester_id,
        assignee_id=ticket.assignee_id,
        confidential=ticket.confidential,
        created=local_time(services, ticket.created_at, locale) or "",
        first_response_due=local_time(services, ticket.first_response_due, locale),
        resolution_due=local_time(services, ticket.resolution_due, locale),
        rows=rows,
        source_link=archive_link(source.channel, source.ts) if source else None,
        parent=parent.number if parent else None,
        children=[c.number for c in store.children(session, ticket)],
        resolution_note=escape(ticket.resolution_note) if ticket.resolution_note else None,
        satisfaction=ticket.satisfaction,
        paused=ticket.sla_paused_at is not None,
        waiting_on=waiting_on(session, services, ticket, locale),
        files=len(attached(rt, ticket.fields or {})) if rt else 0,
    )


def waiting_on(session: Session, services: Services, ticket: Ticket, locale: str) -> str | None:
    """Who has a request waiting for approval, since when, and what reminders did about it — the
    question requesters otherwise ask the back office ("where is my request?")."""
    if ticket.status != PENDING_APPROVAL:
        return None
    # The approvals feature owns the steps (bot/reminders/status.py waiting_line, wired by the composition root).
    return services.lifecycle.waiting_on(session, services, ticket, locale)


def archive_link(channel: str, ts: str) -> str:
    # Slack redirects /archives links to the message for any member of the workspace; building it
    # here saves a chat.getPermalink call while Slack waits for our answer.
    return f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"
