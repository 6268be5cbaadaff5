"""The requester's side of the desk's questions and answers: the hold question (with its answer
button) and the resolution (with its 1-click rating), each one DM updated in place once used."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot import outbox
from bot.tickets import dm_view, notify, store
from bot.tickets.summary import facts
from models import Ticket

if TYPE_CHECKING:
    from bot.services import Services


def hold_ref(ticket: Ticket, number: int) -> str:
    return f"ticket:{ticket.id}:hold:{number}"


def ask_requester(session: Session, services: Services, ticket: Ticket, asker: str, question: str,
                  number: int) -> None:
    locale = notify.requester_locale(services, ticket)
    text, blocks = dm_view.hold_question(facts(session, services, ticket, locale), locale, asker=asker,
                                           question=question)
    outbox.post(session, ticket.requester_id, text, blocks, ref=hold_ref(ticket, number))


def question_answered(session: Session, services: Services, ticket: Ticket, asker: str, question: str,
                      answer: str, number: int) -> None:
    ref = hold_ref(ticket, number)
    if not store.posted(session, ref):
        return
    locale = notify.requester_locale(services, ticket)
    text, blocks = dm_view.hold_question(facts(session, services, ticket, locale), locale, asker=asker,
                                           question=question, answered=answer)
    outbox.update(session, ref, text, blocks)


def ask_rating(session: Session, services: Services, ticket: Ticket, resolver: str, note: str) -> None:
    locale = notify.requester_locale(services, ticket)
    text, blocks = dm_view.resolution(facts(session, services, ticket, locale), locale, resolver=resolver, note=note)
    outbox.post(session, ticket.requester_id, text, blocks, ref=store.rating_ref(ticket))


def rated(session: Session, services: Services, ticket: Ticket) -> None:
    ref = store.rating_ref(ticket)
    if not store.posted(session, ref):
        return
    locale = notify.requester_locale(services, ticket)
    text, blocks = dm_view.resolution(facts(session, services, ticket, locale), locale,
                                        resolver=ticket.assignee_id or "", note=ticket.resolution_note or "",
                                        rated=ticket.satisfaction)
    outbox.update(session, ref, text, blocks)
