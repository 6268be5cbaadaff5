"""Handing a ticket to its department's triage desk: the card in the triage channel, and the linked
tickets the request type opens (e.g. onboarding → IT accounts). Called at submission when no approval
is needed, and by the approvals flow after the final approval."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot import outbox
from bot.config.catalog import FollowUp, MappedValue, RequestType
from bot.errors import ValidationFailed
from bot.forms import display_value, validate_form
from bot.tickets import notify, store
from bot.tickets.workspace import department_keys, today
from models import Ticket

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


def route_to_triage(session: Session, services: Services, ticket: Ticket, actor: str) -> None:
    # Linked tickets first, so the card and the receipt already name them.
    opened = open_follow_ups(session, services, ticket, actor)
    notify.post_card(session, services, ticket)
    if opened and store.posted(session, store.receipt_ref(ticket)):
        # After an approval: the receipt exists; at submission it is posted next and lists them itself.
        notify.update_receipt(session, services, ticket)
        notify.tell_requester(session, services, ticket, "follow_ups", numbers=", ".join(t.number for t in opened))
    else:
        notify.update_receipt(session, services, ticket)
    outbox.refresh_home(session, ticket.requester_id)


def open_follow_ups(session: Session, services: Services, parent: Ticket, actor: str) -> list[Ticket]:
    from bot.tickets.submit import Origin, open_ticket  # submit hands tickets to this desk

    rt = services.config.request_type(parent.request_type)
    if rt is None:
        return []
    opened = []
    for i, follow in enumerate(rt.follow_ups):
        target = services.config.request_type(follow.request_type)
        if target is None or not all(c.holds(parent.fields or {}) for c in follow.when):
            continue
        key = f"follow_up:{parent.id}:{i}"
        if store.by_submission(session, key) is not None:
            continue
        values = follow_up_values(services, follow, rt, target, parent.fields or {})
        department = target.department_by.values.get(str(values.get(target.department_by.field)),
                                                      target.department) if target.department_by else target.department
        opened.append(open_ticket(session, services, rt=target, requester=parent.requester_id, values=values,
                                  department=department, locale=parent.locale, submission_key=key,
                                  origin=Origin(via="follow_up"), actor="system", parent=parent))
    return opened


def follow_up_values(services: Services, follow: FollowUp, source: RequestType, target: RequestType,
                     values: dict[str, Any]) -> dict[str, Any]:
    locale = services.config.default_locale
    shown = {k: display_value(source, k, v, locale, services.config) for k, v in values.items()}
    out: dict[str, Any] = {}
    for key, spec in follow.fields.items():
        if isinstance(spec, MappedValue):
            value = values.get(spec.from_)
            if isinstance(value, list):
                out[key] = [spec.map.get(str(v), v) for v in value]
            elif value is not None:
                out[key] = spec.map.get(str(value), value)
        elif spec.startswith("{") and spec.endswith("}") and spec[1:-1] in values:
            out[key] = values[spec[1:-1]]  # one whole field: keep its value (a date stays a date)
        else:
            out[key] = spec.format_map(_Blank(shown)).strip()
    try:
        return validate_form(target, out, locale=locale, today=today(services), departments=department_keys(services))
    except ValidationFailed as exc:
        # The parent's values were validated already; a follow-up must never stop the parent.
        log.warning("follow-up %s of %s kept as mapped despite: %s", target.key, source.key, exc)
        return {k: v for k, v in out.items() if v not in (None, "", [])}


class _Blank(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""
