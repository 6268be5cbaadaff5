"""The reminder sweep: stalled approvals, unclaimed tickets past first-response due, tickets on hold.

Every 5 minutes, but it only ever speaks in working hours (bot/calendar.py): at night, on weekends,
holidays and company days off the slot runs and sends nothing. Spacing between reminders comes from
the policy (business hours), not from this period; the period only bounds how late one can be."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.approvals import reminders as approval_reminders
from bot.scheduler import Every, Idle, periodic
from bot.tickets import reminders as desk_reminders
from models.db import transaction

if TYPE_CHECKING:
    from bot.services import Services

PERIOD = Every(minutes=5)


def run_reminders(services: Services, slot: str = "") -> str:
    now = services.clock.now()
    if not services.calendar.is_working_time(now):
        return Idle("outside working hours: nothing sent")
    with transaction(services.session_factory) as session:
        stalled = approval_reminders.sweep(session, services, now)
        on_desk = desk_reminders.sweep(session, services, now)
    outcome = (f"{stalled.reminders} steps reminded in {stalled.messages} DMs, {stalled.escalated} escalated "
            f"({stalled.skipped} skipped); {on_desk.pings} tickets pinged in {on_desk.channel_messages} channels, "
            f"{on_desk.hold_reminders} hold reminders")
    did = (stalled.reminders, stalled.messages, stalled.escalated, stalled.skipped, on_desk.pings,
           on_desk.channel_messages, on_desk.hold_reminders)
    if any(did):  # a sweep that sent nothing leaves the outbox asleep
        services.dispatcher.notify()
    return outcome if any(did) else Idle(outcome)


reminders = periodic("reminders", PERIOD)(run_reminders)
