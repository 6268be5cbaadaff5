"""SLA due times in business hours, and the pause while a ticket waits for its requester (保留)."""

from __future__ import annotations

from datetime import datetime

from bot.calendar import BusinessCalendar
from bot.config.catalog import RequestType
from models import Ticket


def set_initial_dues(ticket: Ticket, rt: RequestType | None, calendar: BusinessCalendar, now: datetime) -> None:
    first, resolution = (rt.sla.first_response_hours, rt.sla.resolution_hours) if rt else (8.0, 40.0)
    ticket.first_response_due = calendar.add_business_hours(now, first)
    ticket.resolution_due = calendar.add_business_hours(now, resolution)


def pause(ticket: Ticket, now: datetime) -> None:
    if ticket.sla_paused_at is None:
        ticket.sla_paused_at = now


def resume(ticket: Ticket, calendar: BusinessCalendar, now: datetime) -> float:
    """End the pause: the due times move later by the business hours spent waiting. Returns those hours."""
    if ticket.sla_paused_at is None:
        return 0.0
    waited = max(0.0, calendar.business_hours_between(ticket.sla_paused_at, now))
    if ticket.resolution_due is not None:
        ticket.resolution_due = calendar.add_business_hours(ticket.resolution_due, waited)
    if ticket.first_responded_at is None and ticket.first_response_due is not None:
        ticket.first_response_due = calendar.add_business_hours(ticket.first_response_due, waited)
    ticket.sla_paused_at = None
    return waited


def responded(ticket: Ticket, now: datetime) -> None:
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
