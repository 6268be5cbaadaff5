"""Tickets the desk resolved and the requester never rated close by themselves (bot/tickets/closing.py).

Hourly, and only in working hours: closing tells the requester by DM, and the bot sends no DMs at
night, on weekends or holidays (a ticket due then closes in the first run of the next working day)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.scheduler import Every, Idle, periodic
from bot.tickets.closing import close_unrated, due_to_close
from models.db import transaction

if TYPE_CHECKING:
    from bot.services import Services


def run_close_unrated(services: Services, slot: str = "") -> str:
    now = services.clock.now()
    if not services.calendar.is_working_time(now):
        return Idle("outside working hours: nothing closed")
    with transaction(services.session_factory) as session:
        due = due_to_close(session, services, now)
    closed = 0
    for ticket_id in due:  # one transaction each: a short row lock, and one bad ticket stops no other
        with transaction(services.session_factory) as session:
            closed += close_unrated(session, services, ticket_id, now)
    services.dispatcher.notify()
    outcome = f"closed {closed} resolved tickets nobody rated"
    return outcome if closed else Idle(outcome)


close_unrated_tickets = periodic("close-unrated-tickets", Every(hours=1))(run_close_unrated)
