"""Turning a resolved ticket's answer into a new FAQ entry, in one step."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.orm import Session

from bot.config import WorkspaceConfig
from bot.errors import NotAuthorized, NotFound
from bot.faqdesk import kb
from faq.engine import FaqDoc
from models import Ticket


def may_capture(config: WorkspaceConfig, user: str, department: str) -> bool:
    dept = config.department(department)
    allowed = set(config.admin_slack_ids())
    if dept is not None:
        allowed |= set(config.slack_ids(dept.agents + dept.admins))
    return user in allowed


def draft_from_ticket(session: Session, config: WorkspaceConfig, ticket_id: int, user: str) -> tuple[str, str, str]:
    """(question, answer, department) to pre-fill the modal with."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"ticket {ticket_id}")
    if not may_capture(config, user, ticket.department):
        raise NotAuthorized("only the department's agents can add FAQ entries")
    if ticket.confidential:
        raise NotAuthorized("confidential requests never become FAQ entries")
    question = str(ticket.fields.get("question") or ticket.fields.get("body") or ticket.title)
    return question, ticket.resolution_note or "", ticket.department


def new_entry_id(department: str, ticket_id: int) -> str:
    return f"{re.sub(r'[^a-z0-9]', '', department)[:12]}-t{ticket_id}"


def capture(session: Session, config: WorkspaceConfig, *, ticket_id: int, user: str, question: str,
            variants: list[str], answer: str, now: datetime, department: str | None = None) -> FaqDoc:
    """Add (or, clicked again, replace) the entry made from this ticket. `department` is the entry's owner:
    the ticket's desk unless the agent picked another (the ticket may have been mis-routed)."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"ticket {ticket_id}")
    if not may_capture(config, user, ticket.department) or ticket.confidential:
        raise NotAuthorized("only the department's agents can add FAQ entries")
    owner = department if department and config.department(department) is not None else ticket.department
    # One entry per ticket, whatever department it ends up under: a second submit updates it.
    doc = FaqDoc(id=new_entry_id(ticket.department, ticket.id), question=question.strip(), answer=answer.strip(),
                 variants=tuple(v.strip() for v in variants if v.strip())[:5], department=owner)
    kb.upsert(session, [doc], source="ticket", now=now, source_ticket_id=ticket.id)
    return doc
