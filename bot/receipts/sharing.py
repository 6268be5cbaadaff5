"""Who may see kept receipts in Slack, and handing them over.

A request's files go to the person who clicks, in their DM with the bot, when they may see the request: its
requester, its approvers, the desk that works it, admins, and people with the `auditor` role (a confidential
request opens only to those its own rules name: bot/tickets/access.py; auditors are not among them).
Searching all receipts is for the finance desk (the departments whose request types keep receipts), admins and
auditors."""

from __future__ import annotations

import base64
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot import outbox
from bot.errors import DomainError, NotAuthorized, ValidationFailed
from bot.i18n import t
from bot.i18n.mrkdwn import escape
from bot.i18n.numbers import parse_amount
from bot.receipts import records
from bot.receipts.search import Criteria, Found, search
from bot.slack_ids import ReceiptBlock
from bot.tickets import access, store
from bot.tickets.summary import type_name
from models import Ticket

if TYPE_CHECKING:
    from bot.services import Services

AUDITOR = "auditor"
SEARCH_LIMIT = 41  # one more than the modal shows, to know there are more


class FilesNotAllowed(NotAuthorized):
    key = "receipts.errors.not_allowed"


class SearchNotAllowed(NotAuthorized):
    key = "receipts.errors.search_not_allowed"


def is_auditor(services: Services, user: str) -> bool:
    person = services.config.person_for_slack_id(user)
    return person is not None and AUDITOR in person.roles


def may_search(services: Services, user: str) -> bool:
    config = services.config
    desks = {rt.department for rt in config.request_types if rt.receipt is not None}
    return is_auditor(services, user) or config.is_admin(user) or any(
        access.may_work(config, d, user) for d in desks)


def require_search(services: Services, user: str) -> None:
    if not may_search(services, user):
        raise SearchNotAllowed(f"{user} may not search receipts")


def send_files(session: Session, services: Services, ticket_id: int, user: str) -> Ticket:
    """Queue the request's files (its newest record's, else every attached one) to `user`'s DM."""
    ticket = store.get(session, ticket_id)
    # An auditor reads the company's receipts, but a confidential request opens only to those it names.
    auditor = is_auditor(services, user) and not ticket.confidential
    if not (access.may_view(session, services.config, ticket, user) or auditor):
        raise FilesNotAllowed(f"{user} may not get the files of {ticket.number}")
    rt = services.config.request_type(ticket.request_type)
    latest = records.latest(session, ticket.id)
    if latest is not None:
        files = [{"name": f.name, "sha256": f.sha256} for f in records.files_of(session, latest.id)]
    else:
        files = records.attached(rt, ticket.fields or {}) if rt else []
    if not files:
        raise NoFiles(f"{ticket.number} has no files")
    locale = services.locales.locale(user)
    kind = type_name(services, ticket, locale)
    for f in files:
        data = services.evidence.read(session, f["sha256"])  # checked against its hash on the way out
        outbox.enqueue(session, outbox.FILES_UPLOAD, {
            "channel": user, "filename": f["name"], "title": f["name"],
            # The comment is mrkdwn and the name is the uploader's: escaped (bot/i18n/mrkdwn.py, the one home).
            "initial_comment": t(locale, "receipts.file_comment", number=ticket.number, type=escape(kind),
                                 name=escape(f["name"])),
            "content_b64": base64.b64encode(data).decode(),
        })
    return ticket


class NoFiles(DomainError):
    key = "receipts.errors.no_files"


def criteria_from(values: dict[str, Any], locale: str) -> Criteria:
    """The search modal's inputs as Criteria, or ValidationFailed next to the input at fault."""
    errors: dict[str, str] = {}

    def amount(block: str) -> int | None:
        text = (values.get(block) or "").strip()
        if not text:
            return None
        parsed = parse_amount(text)
        if parsed is None or parsed != int(parsed) or parsed < 0:
            errors[block] = t(locale, "receipts.errors.amount")
            return None
        return int(parsed)

    def day(block: str) -> date | None:
        text = values.get(block)
        return date.fromisoformat(text) if text else None

    criteria = Criteria(date_from=day(ReceiptBlock.DATE_FROM), date_to=day(ReceiptBlock.DATE_TO),
                        amount_min=amount(ReceiptBlock.AMOUNT_MIN), amount_max=amount(ReceiptBlock.AMOUNT_MAX),
                        counterparty=(values.get(ReceiptBlock.COUNTERPARTY) or "").strip() or None,
                        invoice_number=(values.get(ReceiptBlock.NUMBER) or "").strip() or None)
    if criteria.date_from and criteria.date_to and criteria.date_from > criteria.date_to:
        errors[ReceiptBlock.DATE_TO] = t(locale, "receipts.errors.date_order")
    if (criteria.amount_min is not None and criteria.amount_max is not None
            and criteria.amount_min > criteria.amount_max):
        errors[ReceiptBlock.AMOUNT_MAX] = t(locale, "receipts.errors.amount_order")
    if errors:
        raise ValidationFailed(errors)
    return criteria


def search_for(session: Session, services: Services, user: str, criteria: Criteria) -> list[Found]:
    require_search(services, user)
    return search(session, criteria, limit=SEARCH_LIMIT)


def described(criteria: Criteria, locale: str) -> str:
    """The conditions in words, for the results' heading."""
    parts = []
    if criteria.date_from or criteria.date_to:
        parts.append(f"{criteria.date_from or ''}〜{criteria.date_to or ''}")
    if criteria.amount_min is not None or criteria.amount_max is not None:
        low = f"¥{criteria.amount_min:,}" if criteria.amount_min is not None else ""
        high = f"¥{criteria.amount_max:,}" if criteria.amount_max is not None else ""
        parts.append(f"{low}〜{high}")
    if criteria.counterparty:
        parts.append(criteria.counterparty)
    if criteria.invoice_number:
        parts.append(criteria.invoice_number)
    return " · ".join(parts)
