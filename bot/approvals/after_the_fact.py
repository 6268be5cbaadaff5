"""事後稟議: a request approved after the deal it asks for was already done (its 発注日・契約日 before the approval).

The request type names the date field holding the deal's day (`after_the_fact:` in the catalog). Approvers read
the flag on the request while the day is already past; the final approval of such a request records
`approval.after_the_fact` in the audit trail, beside the approval itself, so the audit export shows it; the
weekly digest counts those events per department. A deal on the day of the approval is not 事後."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import audit
from bot.i18n import t
from bot.i18n.dates import format_date
from models import AuditEvent, Ticket

if TYPE_CHECKING:
    from bot.config.catalog import RequestType
    from bot.services import Services

ACTION = "approval.after_the_fact"


def deal_day(rt: RequestType | None, fields: dict[str, Any]) -> date | None:
    """The day the deal is (or was) done, as the form says; None when the type names no such field or it is empty."""
    if rt is None or rt.after_the_fact is None:
        return None
    value = fields.get(rt.after_the_fact)
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def past_deal(rt: RequestType | None, fields: dict[str, Any], today: date) -> date | None:
    """The deal's day when it is before `today` (an approval today is 事後), else None."""
    day = deal_day(rt, fields)
    return day if day is not None and day < today else None


def words(services: Services, ticket: Ticket, locale: str) -> str | None:
    """The approver's flag, e.g. 「⚠️ 事後稟議: 発注日（2026年12月1日）が承認より前です」, or None."""
    rt = services.config.request_type(ticket.request_type)
    day = past_deal(rt, ticket.fields or {}, _today(services))
    if rt is None or day is None:
        return None
    field = rt.field(rt.after_the_fact or "")
    label = field.label.get(locale) if field is not None else rt.after_the_fact
    return t(locale, "approvals.request.after_the_fact", field=label, date=format_date(day, locale))


def record_if_past(session: Session, services: Services, ticket: Ticket, actor: str,
                   on_behalf_of: str | None = None) -> bool:
    """Called as `ticket` is finally approved: records the 事後 flag when its deal's day is already past."""
    now = services.clock.now()
    today = now.astimezone(services.calendar.tz).date()
    rt = services.config.request_type(ticket.request_type)
    day = past_deal(rt, ticket.fields or {}, today)
    if rt is None or day is None:
        return False
    audit.record(session, actor=actor, on_behalf_of=on_behalf_of, action=ACTION, subject=f"ticket:{ticket.id}",
                 ticket_id=ticket.id, at=now,
                 after={"field": rt.after_the_fact, "deal_date": day.isoformat(), "approved_on": today.isoformat(),
                        "days_after": (today - day).days})
    return True


def per_department(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """Requests approved 事後 in [start, end), per department."""
    rows = session.execute(
        select(Ticket.department, func.count()).join(AuditEvent, AuditEvent.ticket_id == Ticket.id)
        .where(AuditEvent.action == ACTION, AuditEvent.at >= start, AuditEvent.at < end)
        .group_by(Ticket.department))
    return {department: int(n) for department, n in rows}


def _today(services: Services) -> date:
    return services.clock.now().astimezone(services.calendar.tz).date()
