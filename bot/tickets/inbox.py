"""Free text that becomes an inquiry: a Slack message (🎫 reaction in a help channel, message
shortcut) or a question the FAQ could not answer. The catalog's inquiry type (the one with
`free_text`) takes it: subject = the first line, body = the whole text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot import outbox
from bot.config import WorkspaceConfig
from bot.config.catalog import RequestType
from bot.errors import DomainError
from bot.i18n import t
from bot.i18n.mrkdwn import mention
from bot.tickets import notify, store
from bot.tickets.submit import Origin, submit
from bot.tickets.summary import department_name
from models import Ticket

if TYPE_CHECKING:
    from bot.services import Services

SUBJECT_MAX = 80
NO_TEXT = "—"


class NoInquiryType(DomainError):
    key = "tickets.errors.no_inquiry_type"


class MessageUnreadable(DomainError):
    key = "tickets.errors.message_unreadable"


def inquiry_type(config: WorkspaceConfig) -> RequestType:
    rt = next((r for r in config.request_types if r.free_text is not None), None)
    if rt is None:
        raise NoInquiryType("the catalog has no request type with free_text")
    return rt


def prefill(rt: RequestType, text: str) -> dict[str, Any]:
    """The inquiry form's values for `text`, clipped to the fields' limits."""
    assert rt.free_text is not None
    text = (text or "").strip()
    values: dict[str, Any] = {}
    body = rt.field(rt.free_text.body)
    values[rt.free_text.body] = text[: int(body.max or 3000)] if body else text
    if rt.free_text.subject:
        subject = rt.field(rt.free_text.subject)
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        limit = min(SUBJECT_MAX, int(subject.max or SUBJECT_MAX)) if subject else SUBJECT_MAX
        values[rt.free_text.subject] = first if len(first) <= limit else first[: limit - 1] + "…"
    return values


def from_reaction(session: Session, services: Services, *, reactor: str, channel: str, ts: str,
                  thread_ts: str | None, author: str | None, text: str) -> tuple[Ticket, bool]:
    """🎫 on a message in a help channel: an inquiry for the message's author, answered in its thread.
    Returns (ticket, created); a second 🎫 on the same message finds the first ticket."""
    key = f"reaction:{channel}:{ts}"
    existing = store.by_submission(session, key)
    if existing is not None:
        return existing, False
    rt = inquiry_type(services.config)
    requester = author or reactor
    ticket = submit(session, services, requester=requester, type_key=rt.key,
                    raw=prefill(rt, text or NO_TEXT), locale=services.locales.locale(requester),
                    submission_key=key, origin=Origin("reaction", channel, ts, thread_ts), actor=reactor)
    locale = notify.desk_locale(services)
    reply = t(locale, "tickets.thread.reaction", number=ticket.number,
              department=department_name(services, ticket.department, locale), who=mention(requester))
    outbox.post(session, channel, reply, target_ref=store.source_ref(ticket))
    return ticket, True
