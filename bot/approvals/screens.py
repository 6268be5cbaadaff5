"""Read-side helpers for the approval handlers: check the clicker may act, then build the modal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot.approvals import notify, segregation
from bot.approvals.decide import BULK_LIMIT, authorize, refuse_if_settled
from bot.approvals.delegation_view import delegation_modal
from bot.approvals.views import BulkItem, bulk_modal, details_modal, reason_modal, reassign_modal
from bot.errors import NotAuthorized, NotFound
from bot.forms.views import request_form
from bot.ticket_states import SENT_BACK, require
from bot.views.metadata import FormContext
from models import ApprovalStep, Ticket

if TYPE_CHECKING:
    from bot.services import Services


def _load(session: Session, step_id: int) -> tuple[ApprovalStep, Ticket]:
    step = session.get(ApprovalStep, step_id)
    ticket = session.get(Ticket, step.ticket_id) if step else None
    if step is None or ticket is None:
        raise NotFound(f"step {step_id}")
    return step, ticket


def reason_form(session: Session, services: Services, *, step_id: int, version: int, actor: str, outcome: str,
                locale: str) -> dict[str, Any]:
    """The 差戻し / 却下 modal (or 承認 with a comment), only for someone who may decide this still-open step."""
    step, ticket = _load(session, step_id)
    authorize(session, services, step, ticket, actor)
    refuse_if_settled(session, services, step, ticket, version)
    card = notify.step_card(session, services, ticket, step, locale)
    return reason_modal(locale, card, outcome, [r for r in card.rows])


def bulk_form(session: Session, services: Services, *, actor: str, locale: str) -> dict[str, Any]:
    """まとめて承認: the steps `actor` may decide now (their own and those they stand in for), the longest
    waiting first, every one ticked; at most BULK_LIMIT, the rest wait for the next round."""
    pending, _ = notify.longest_waiting(session, services, actor, BULK_LIMIT)
    items = []
    for step, ticket, principal in pending:
        amount = next((r.value for r in notify.field_rows(services, ticket, locale) if r.key == "amount" and r.value),
                      "")
        items.append(BulkItem(step_id=step.id, version=step.version, ticket_number=ticket.number,
                              type_name=notify.type_name(services, ticket, locale),
                              requester=services.locales.display_name(ticket.requester_id), summary=amount,
                              principal=services.locales.display_name(principal) if principal else None))
    return bulk_modal(locale, items)


def details(session: Session, services: Services, *, step_id: int, actor: str, locale: str) -> dict[str, Any]:
    step, ticket = _load(session, step_id)
    involved = {ticket.requester_id, *step.approvers}
    if actor not in involved and not services.config.is_admin(actor):
        authorize(session, services, step, ticket, actor)  # a delegate may look; anyone else is refused here
    card = notify.step_card(session, services, ticket, step, locale)
    can_reassign = services.config.is_admin(actor) and step.status == "pending" and actor != ticket.requester_id
    return details_modal(locale, card, notify.history(session, services, ticket, locale), can_reassign=can_reassign)


def reassign_form(session: Session, services: Services, *, step_id: int, version: int, actor: str,
                  locale: str) -> dict[str, Any]:
    """The re-assign modal, only for an admin and only while the step waits for a decision."""
    if not services.config.is_admin(actor):
        raise NotAuthorized(f"{actor} is not an admin")
    step, ticket = _load(session, step_id)
    segregation.refuse_own(ticket, actor)
    refuse_if_settled(session, services, step, ticket, version)
    card = notify.step_card(session, services, ticket, step, locale)
    current = " / ".join(services.locales.display_name(a) for a in step.approvers)
    return reassign_modal(locale, card, current)


def resubmit_form(session: Session, services: Services, *, ticket_id: int, actor: str, locale: str) -> dict[str, Any]:
    """The request form pre-filled with the ticket's values, the fields to fix flagged."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"ticket {ticket_id}")
    if actor != ticket.requester_id:
        raise NotAuthorized("only the requester resubmits")
    require(ticket, {SENT_BACK}, "resubmit")
    rt = services.config.request_type(ticket.request_type)
    if rt is None:
        raise NotFound(f"request type {ticket.request_type}")
    sent_back = next((s for s in reversed(notify.steps_of(session, ticket.id)) if s.status == "sent_back"), None)
    flagged = list(sent_back.fields_to_fix) if sent_back else []
    notes = [sent_back.comment] if sent_back and sent_back.comment else []
    metadata = FormContext(type=rt.key, ticket=ticket.id).dump()
    return request_form(rt, locale, services.config, metadata=metadata, initial=dict(ticket.fields or {}),
                        flagged=flagged, notes=notes)


def delegation_form(services: Services, locale: str) -> dict[str, Any]:
    """The /helpdesk delegate modal, starting today (in the workspace's time zone)."""
    return delegation_modal(locale, today=services.clock.now().astimezone(services.calendar.tz).date())
