"""Who hears what about a ticket — all through the outbox, in the transaction of the change.

The triage card (channel) and the requester's receipt (DM) are each one message updated in place;
notices that need the person's attention are new messages. A confidential ticket's content never
goes to a channel, including the card's thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot import outbox
from bot.i18n import t
from bot.i18n.mrkdwn import mention
from bot.ticket_states import WITHDRAWABLE
from bot.tickets import card_view, dm_view, store
from bot.tickets.summary import department_name, facts, local_time
from models import Ticket

if TYPE_CHECKING:
    from bot.services import Services


def desk_locale(services: Services) -> str:
    return services.config.default_locale


def requester_locale(services: Services, ticket: Ticket) -> str:
    return services.locales.locale(ticket.requester_id)


# -- the card in the triage channel ---------------------------------------------------------------
def post_card(session: Session, services: Services, ticket: Ticket) -> None:
    department = services.config.department(ticket.department)
    if department is None:
        return
    text, blocks = card_view.card(facts(session, services, ticket, desk_locale(services)), desk_locale(services))
    ref = store.card_ref(session, ticket)
    outbox.post(session, department.triage_channel, text, blocks, ref=ref, dedupe_key=f"{ref}:post")


def update_card(session: Session, services: Services, ticket: Ticket, *, moved_to: str | None = None,
                reason: str | None = None, ref: str | None = None) -> None:
    ref = ref or store.card_ref(session, ticket)
    if not store.posted(session, ref):
        return  # still waiting for approval: there is no card yet
    locale = desk_locale(services)
    text, blocks = card_view.card(facts(session, services, ticket, locale), locale, moved_to=moved_to,
                                    moved_reason=reason)
    outbox.update(session, ref, text, blocks)


def card_thread(session: Session, services: Services, ticket: Ticket, text: str) -> None:
    """A reply under the card, for the team's record; never for a confidential ticket."""
    ref = store.card_ref(session, ticket)
    if ticket.confidential or not store.posted(session, ref):
        return
    outbox.post(session, "", text, target_ref=ref)


# -- the requester -------------------------------------------------------------------------------
def next_step(services: Services, ticket: Ticket, locale: str) -> str:
    key = f"tickets.next.{ticket.status}"
    return t(locale, key, department=department_name(services, ticket.department, locale),
             assignee=mention(ticket.assignee_id) if ticket.assignee_id else "",
             due=local_time(services, ticket.resolution_due, locale) or "—",
             first_due=local_time(services, ticket.first_response_due, locale) or "—")


def _receipt(session: Session, services: Services, ticket: Ticket) -> tuple[str, list]:
    locale = requester_locale(services, ticket)
    return dm_view.receipt(facts(session, services, ticket, locale), locale,
                             next_step=next_step(services, ticket, locale),
                             withdrawable=ticket.status in WITHDRAWABLE)


def post_receipt(session: Session, services: Services, ticket: Ticket) -> None:
    text, blocks = _receipt(session, services, ticket)
    ref = store.receipt_ref(ticket)
    outbox.post(session, ticket.requester_id, text, blocks, ref=ref, dedupe_key=f"{ref}:post")


def update_receipt(session: Session, services: Services, ticket: Ticket) -> None:
    """Public seam: the requester's receipt DM, redrawn in place with the ticket's current state
    (status, department, assignee, due time, what happens next, whose approval it waits for).

    Call it, in the transaction of the change, after anything the requester would want to see there:
    the approvals flow does after each decision, send-back, rejection, skip and withdrawal; reminders
    should after they remind or escalate a step (the receipt shows "reminded ×2"). A no-op until the
    receipt has been posted."""
    ref = store.receipt_ref(ticket)
    if store.posted(session, ref):
        text, blocks = _receipt(session, services, ticket)
        outbox.update(session, ref, text, blocks)


def tell_requester(session: Session, services: Services, ticket: Ticket, key: str, **params: str) -> None:
    locale = requester_locale(services, ticket)
    text, blocks = dm_view.notice(facts(session, services, ticket, locale), locale, key, **params)
    outbox.post(session, ticket.requester_id, text, blocks)


def tell_agent(session: Session, services: Services, ticket: Ticket, user: str, key: str, *,
               body: str | None = None, **params: str) -> None:
    locale = services.locales.locale(user)
    text, blocks = dm_view.agent_notice(facts(session, services, ticket, locale), locale, key, body=body, **params)
    outbox.post(session, user, text, blocks)


def changed(session: Session, services: Services, ticket: Ticket, *also_home: str | None) -> None:
    """After any change: the card and the receipt show the new state; Home tabs refresh."""
    update_card(session, services, ticket)
    update_receipt(session, services, ticket)
    for user in {ticket.requester_id, ticket.assignee_id, *also_home}:
        if user:
            outbox.refresh_home(session, user)
