"""Read-side helpers for the desk's buttons: check the clicker may act before a modal opens (an
outsider is refused at the click, not after filling a form), then give the modal what it shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.ticket_states import ON_DESK, require
from bot.tickets import access, modals_view, store
from bot.tickets.requester import question_for
from bot.tickets.summary import facts
from bot.views.metadata import TicketContext

if TYPE_CHECKING:
    from bot.services import Services


def _agent_ticket(session: Session, services: Services, ticket_id: int, user: str, action: str):  # type: ignore[no-untyped-def]
    ticket = store.get(session, ticket_id)
    access.require_agent(services.config, ticket, user)
    require(ticket, ON_DESK, action)
    return ticket


def assign_form(session: Session, services: Services, ticket_id: int, user: str, locale: str) -> dict:
    ticket = _agent_ticket(session, services, ticket_id, user, "assign")
    agents = [(a, services.locales.display_name(a)) for a in access.agents(services.config, ticket.department)]
    return modals_view.assign(facts(session, services, ticket, locale), locale, agents,
                                TicketContext(ticket=ticket.id).dump())


def hold_form(session: Session, services: Services, ticket_id: int, user: str, locale: str) -> dict:
    ticket = _agent_ticket(session, services, ticket_id, user, "hold")
    return modals_view.hold(facts(session, services, ticket, locale), locale, TicketContext(ticket=ticket.id).dump())


def resolve_form(session: Session, services: Services, ticket_id: int, user: str, locale: str) -> dict:
    ticket = _agent_ticket(session, services, ticket_id, user, "resolve")
    return modals_view.resolve(facts(session, services, ticket, locale), locale,
                                 TicketContext(ticket=ticket.id).dump())


def reroute_form(session: Session, services: Services, ticket_id: int, user: str, locale: str) -> dict:
    ticket = _agent_ticket(session, services, ticket_id, user, "reroute")
    departments = [(d.key, d.name.get(locale)) for d in services.config.departments if d.key != ticket.department]
    return modals_view.reroute(facts(session, services, ticket, locale), locale, departments,
                                 TicketContext(ticket=ticket.id).dump())


def answer_form(session: Session, services: Services, ticket_id: int, user: str, locale: str) -> dict:
    ticket, question = question_for(session, services, ticket_id, user)
    return modals_view.answer(facts(session, services, ticket, locale), locale, question,
                                TicketContext(ticket=ticket.id).dump())


def details(session: Session, services: Services, ticket_id: int, user: str, locale: str) -> dict:
    """A ticket's full content — for a confidential one, only to those allowed to read it."""
    ticket = store.get(session, ticket_id)
    access.require_viewer(session, services.config, ticket, user)
    return modals_view.details(facts(session, services, ticket, locale), locale)
