"""Who may do what with a ticket. Identity comes from the signed payload only; these functions decide.

- department agents (the department's agents and admins) and back-office admins work its tickets;
- the requester follows, answers, withdraws and rates their own;
- a confidential ticket opens only for the requester, the department's agents, its approvers and admins."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import WorkspaceConfig
from bot.errors import NotAuthorized
from models import ApprovalStep, Ticket


class ConfidentialRefused(NotAuthorized):
    key = "tickets.errors.confidential"


class NotAnAgent(NotAuthorized):
    key = "tickets.errors.not_agent"


class NotTheRequester(NotAuthorized):
    key = "tickets.errors.not_requester"


def agents(config: WorkspaceConfig, department: str) -> list[str]:
    """Slack ids of the people who work `department`'s desk (agents, then department admins)."""
    dept = config.department(department)
    if dept is None:
        return []
    return list(dict.fromkeys(config.slack_ids([*dept.agents, *dept.admins])))


def may_work(config: WorkspaceConfig, department: str, user: str) -> bool:
    return user in agents(config, department) or config.is_admin(user)


def require_agent(config: WorkspaceConfig, ticket: Ticket, user: str) -> None:
    if not may_work(config, ticket.department, user):
        raise NotAnAgent(f"{user} does not work {ticket.department}")


def require_requester(ticket: Ticket, user: str) -> None:
    if ticket.requester_id != user:
        raise NotTheRequester(f"{user} is not the requester of {ticket.number}")


def approvers(session: Session, ticket_id: int) -> set[str]:
    rows = session.scalars(select(ApprovalStep.approvers).where(ApprovalStep.ticket_id == ticket_id))
    return {a for group in rows for a in (group or [])}


def may_view(session: Session, config: WorkspaceConfig, ticket: Ticket, user: str) -> bool:
    if user == ticket.requester_id or may_work(config, ticket.department, user):
        return True
    return user in approvers(session, ticket.id)


def require_viewer(session: Session, config: WorkspaceConfig, ticket: Ticket, user: str) -> None:
    if not may_view(session, config, ticket, user):
        raise ConfidentialRefused(f"{user} may not open {ticket.number}")
