"""What a requester sees about a waiting approval: who has it, since when, "reminded ×2, escalated to …".

`progress(session, services, ticket, locale)` is the seam for the receipt and App Home views of
intake; the Home section below lists the requester's requests that reminders have touched."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.approvals import notify
from bot.approvals.steps import PENDING, SKIPPED, latest_round, steps_of
from bot.i18n import t
from bot.i18n.dates import format_datetime
from bot.reminders.views import status_line
from bot.views.blocks import Block, header, section
from models import ApprovalStep, Ticket

if TYPE_CHECKING:
    from bot.services import Services

HOME_LIMIT = 10


@dataclass(frozen=True)
class Progress:
    approvers: str  # who has it now
    since: str  # local time it reached them
    reminders: int
    status: str  # "reminded ×2, escalated to 佐藤 健" ("" when nothing happened yet)


def progress(session: Session, services: Services, ticket: Ticket, locale: str) -> Progress | None:
    """The pending step of the ticket's current round, with its reminder story; None when none is pending."""
    round_no = latest_round(session, ticket.id)
    steps = steps_of(session, ticket.id, round_no) if round_no else []
    # A 合議 has several parts pending at once: everyone still to approve is named.
    pendings = [s for s in steps if s.status == PENDING]
    if not pendings:
        return None
    pending = max(pendings, key=lambda s: s.reminder_count)
    names = services.locales.display_name
    parts = []
    for skipped in (s for s in steps if s.status == SKIPPED and s.escalated_to):
        parts.append(status_line(locale, skipped.reminder_count, names(skipped.escalated_to), skipped=True))
    own = status_line(locale, pending.reminder_count, names(pending.escalated_to) if pending.escalated_to else None)
    if own:
        parts.append(own)
    return Progress(approvers=" / ".join(names(a) for a in dict.fromkeys(a for s in pendings for a in s.approvers)),
                    since=format_datetime(min((s.requested_at for s in pendings if s.requested_at),
                                              default=pending.requested_at), locale, services.calendar.tz),
                    reminders=pending.reminder_count,
                    status=t(locale, "reminders.status.separator").join(parts))


def waiting_line(session: Session, services: Services, ticket: Ticket, locale: str) -> str | None:
    """What a ticket pending approval waits on, for its summary: "佐藤 健 since 10:00 · reminded ×2"."""
    now = progress(session, services, ticket, locale)
    if now is None:
        return None
    line = t(locale, "tickets.waiting.approval", approvers=now.approvers, since=now.since)
    return f"{line} · {now.status}" if now.status else line


def home_section(session: Session, services: Services, user: str, locale: str) -> list[Block]:
    """My requests that are waiting on someone who has been reminded (the rest: intake's "my requests")."""
    touched = session.scalars(
        select(Ticket).join(ApprovalStep, ApprovalStep.ticket_id == Ticket.id)
        .where(Ticket.requester_id == user, Ticket.status == "pending_approval",
               (ApprovalStep.reminder_count > 0) | ApprovalStep.escalated_to.is_not(None))
        .distinct().order_by(Ticket.id).limit(HOME_LIMIT)).all()
    lines = []
    for ticket in touched:
        p = progress(session, services, ticket, locale)
        if p is None or not p.status:
            continue
        lines.append(t(locale, "reminders.home.item", number=ticket.number,
                       type=notify.type_name(services, ticket, locale), approvers=p.approvers, since=p.since,
                       status=p.status))
    if not lines:
        return []
    return [header(t(locale, "reminders.home.header")), section("\n".join(lines))]
