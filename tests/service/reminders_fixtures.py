"""Shared setup for reminder tests: the approval fixtures' org and clock, Tokyo times, and helpers that
read what people received from the fake Slack."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.approvals import flow
from bot.reminders.jobs import run_reminders
from models import ApprovalStep, AuditEvent
from tests.service.approvals_fixtures import new_ticket

TOKYO = ZoneInfo("Asia/Tokyo")


def jst(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TOKYO)


def submit(services, **kw) -> int:
    with services.session_factory() as session, session.begin():
        ticket = new_ticket(session, **kw)
        assert flow.start_approval(session, services, ticket, ticket.requester_id)
        return ticket.id


def sweep_at(bot, when: datetime) -> str:
    bot.services.clock.set(when)
    outcome = run_reminders(bot.services)
    bot.deliver()
    return outcome


def dms(bot, user: str, containing: str) -> list[dict]:
    return [m for m in bot.slack.messages(bot.slack.dm_channel(user)) if containing in m.get("text", "")]


def steps(services, ticket_id: int) -> list[ApprovalStep]:
    with services.session_factory() as session:
        return list(session.scalars(select(ApprovalStep).where(ApprovalStep.ticket_id == ticket_id)
                                    .order_by(ApprovalStep.position)))


def audit_actions(services, ticket_id: int) -> list[AuditEvent]:
    with services.session_factory() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.ticket_id == ticket_id)
                                    .order_by(AuditEvent.id)))
