"""The department desk's stalled tickets: unclaimed past first-response due ping the triage channel
(one message per channel per sweep, at most `triage_pings` per ticket, an interval apart); tickets on
hold remind their requester once per hold, after `hold_reminder_after_business_hours`.

Both scans are index range scans bounded by a look-back (pings and the hold reminder all happen
within days of the due time), so tickets whose budget is spent are not re-read forever."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import outbox
from bot.approvals import notify
from bot.reminders import log
from bot.reminders.policy import rules_for
from bot.reminders.views import OverdueTicket, hold_reminder, triage_ping
from bot.ticket_states import ON_HOLD, UNCLAIMED
from bot.tickets.summary import ticket_title
from models import ReminderLog, Ticket

if TYPE_CHECKING:
    from bot.services import Services

LOOK_BACK = timedelta(days=21)  # longer than any ping budget across Golden Week or 年末年始
SCAN_LIMIT = 2000


@dataclass
class DeskSweep:
    pings: int = 0  # tickets mentioned
    channel_messages: int = 0
    hold_reminders: int = 0


def sweep(session: Session, services: Services, now: datetime) -> DeskSweep:
    result = DeskSweep()
    if not services.calendar.is_working_time(now):
        return result
    _ping_triage(session, services, now, result)
    _remind_on_hold(session, services, now, result)
    return result


def _history(session: Session, kind: str, ids: list[int]) -> dict[int, tuple[int, datetime]]:
    """subject id → (highest seq, last sent) for these subjects, in one query."""
    if not ids:
        return {}
    rows = session.execute(
        select(ReminderLog.subject_id, func.max(ReminderLog.seq), func.max(ReminderLog.sent_at))
        .where(ReminderLog.kind == kind, ReminderLog.subject_id.in_(ids)).group_by(ReminderLog.subject_id))
    return {sid: (int(seq), sent) for sid, seq, sent in rows}


def _ping_triage(session: Session, services: Services, now: datetime, result: DeskSweep) -> None:
    tickets = list(session.scalars(
        select(Ticket)
        .where(Ticket.status.in_(sorted(UNCLAIMED)), Ticket.first_response_due <= now,
               Ticket.first_response_due >= now - LOOK_BACK, Ticket.first_responded_at.is_(None),
               Ticket.assignee_id.is_(None))
        .order_by(Ticket.first_response_due).limit(SCAN_LIMIT)))
    history = _history(session, log.FIRST_RESPONSE, [t.id for t in tickets])
    calendar, config = services.calendar, services.config
    by_channel: dict[str, list[OverdueTicket]] = defaultdict(list)
    names: dict[str, str] = {}
    for ticket in tickets:
        rules = rules_for(config, ticket.request_type)
        done, last = history.get(ticket.id, (0, None))
        if done >= rules.triage_pings:
            continue
        if last is not None and calendar.business_hours_between(last, now) < rules.interval_business_hours:
            continue
        department = config.department(ticket.department)
        if department is None:
            continue
        if not log.claim(session, log.FIRST_RESPONSE, ticket.id, done + 1, department.triage_channel, now):
            continue
        locale = config.default_locale
        rt = config.request_type(ticket.request_type)
        confidential = ticket.confidential or bool(rt and rt.confidential)
        overdue = calendar.business_hours_between(ticket.first_response_due, now) if ticket.first_response_due else 0
        by_channel[department.triage_channel].append(OverdueTicket(
            number=ticket.number, type_name=notify.type_name(services, ticket, locale),
            title=None if confidential else ticket_title(services, ticket, locale), overdue_hours=overdue,
            ping_no=done + 1))
        names[department.triage_channel] = department.name.get(locale)
        result.pings += 1
    for channel, items in by_channel.items():
        text, blocks = triage_ping(config.default_locale, names[channel], items, day_hours=calendar.working_day_hours)
        outbox.post(session, channel, text, blocks)
        result.channel_messages += 1


def _remind_on_hold(session: Session, services: Services, now: datetime, result: DeskSweep) -> None:
    tickets = list(session.scalars(
        select(Ticket)
        .where(Ticket.status == ON_HOLD, Ticket.sla_paused_at <= now, Ticket.sla_paused_at >= now - LOOK_BACK)
        .order_by(Ticket.sla_paused_at).limit(SCAN_LIMIT)))
    history = _history(session, log.ON_HOLD, [t.id for t in tickets])
    for ticket in tickets:
        assert ticket.sla_paused_at is not None
        hold = int(ticket.sla_paused_at.timestamp())  # one reminder per hold, not per ticket
        if ticket.id in history and history[ticket.id][0] >= hold:
            continue
        rules = rules_for(services.config, ticket.request_type)
        held = services.calendar.business_hours_between(ticket.sla_paused_at, now)
        if held < rules.hold_reminder_after_business_hours:
            continue
        if not log.claim(session, log.ON_HOLD, ticket.id, hold, ticket.requester_id, now):
            continue
        locale = services.locales.locale(ticket.requester_id)
        text, blocks = hold_reminder(locale, ticket_id=ticket.id, number=ticket.number,
                                     type_name=notify.type_name(services, ticket, locale),
                                     title=ticket_title(services, ticket, locale), held_hours=held,
                                     day_hours=services.calendar.working_day_hours)
        outbox.post(session, ticket.requester_id, text, blocks)
        result.hold_reminders += 1
