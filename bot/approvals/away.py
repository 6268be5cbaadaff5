"""An approver's approved leave hands their approvals to a deputy for those days (自動代理設定).

The request type says which of its date fields are the days away (`away:` in the catalog). When such a
request of someone who decides approvals is approved (or needs nobody's approval), a delegation to their
deputy (`org.people[].deputy`, else their manager) is created for those whole days: the same delegation as
`/helpdesk delegate`, audited, announced to both, cancellable from App Home. Nothing is created, and the
approver is told why, when they have no deputy or manager in the org directory, or already have a delegate
for some of those days. A leave approved after it ended needs no delegate and creates none."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot import outbox
from bot.approvals import delegation
from bot.approvals.steps import decides_approvals
from bot.errors import ValidationFailed
from bot.i18n import t
from models import Delegation, Ticket

if TYPE_CHECKING:
    from bot.services import Services

SYSTEM = "system"


def delegate_while_away(session: Session, services: Services, ticket: Ticket) -> Delegation | None:
    """Called as `ticket` is approved, or submitted needing nobody's approval: the delegation it creates, or
    None (not an away request, not an approver, nobody to hand to, or days already covered — the approver
    told in the last two cases)."""
    config = services.config
    rt = config.request_type(ticket.request_type)
    values = ticket.fields or {}
    if rt is None or rt.away is None or not all(c.holds(values) for c in rt.away.when):
        return None
    first = _day(values.get(rt.away.first_day))
    last = _day(values.get(rt.away.last_day)) if rt.away.last_day else None
    if first is None:
        return None
    last = last or first
    requester = ticket.requester_id
    if not decides_approvals(session, config, requester):
        return None
    today = services.clock.now().astimezone(services.calendar.tz).date()
    if last < today:
        return None
    locale = services.locales.locale(requester)
    deputy = _deputy(services, requester)
    if deputy is None:
        _tell(session, services, ticket, requester, "approvals.away.no_deputy", locale)
        return None
    try:
        return delegation.create_for_days(
            session, services, delegator=requester, delegate=deputy, first_day=first, last_day=last, actor=SYSTEM,
            reason=t(config.default_locale, "approvals.away.reason", number=ticket.number), locale=locale)
    except ValidationFailed as exc:
        # Already covered (a delegate set by hand), or the deputy cannot stand in (left, deactivated).
        why = " ".join(exc.field_errors.values())
        _tell(session, services, ticket, requester, "approvals.away.not_set", locale, why=why,
              deputy=services.locales.display_name(deputy))
        return None


def _deputy(services: Services, user: str) -> str | None:
    person = services.config.person_for_slack_id(user)
    if person is None:
        return None
    for key in (person.deputy, person.manager):
        other = services.config.org.by_key(key) if key else None
        if other is not None and other.slack_id and other.slack_id != user:
            return other.slack_id
    return None


def _tell(session: Session, services: Services, ticket: Ticket, user: str, key: str, locale: str,
          **params: Any) -> None:
    text = t(locale, key, number=ticket.number, **params)
    outbox.post(session, user, text, dedupe_key=f"away:{ticket.id}:{key}:{user}")


def _day(raw: object) -> date | None:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None
