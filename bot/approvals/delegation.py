"""Delegation (代理承認): approver A names B for a date range; while it is active B may decide A's
pending and new steps, recorded as "B on behalf of A". Not transitive: B's own delegate cannot
decide for A. It ends by itself at `ends_at`; both people are told when it starts and ends (the
`delegation-notices` job, see bot/approvals/jobs.py).

A delegation lasts at most MAX_DAYS (a year) and starts within a year: a longer absence is a
re-assignment of the approver in the org config, not a delegation; and dates such as 9999-12-31
are field errors, never an overflow."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot import audit, outbox
from bot.approvals import notify
from bot.approvals.delegation_view import DELEGATE_BLOCK, ENDS_BLOCK, STARTS_BLOCK
from bot.errors import NotAuthorized, NotFound, ValidationFailed
from bot.forms.clean import FREE_TEXT_MAX, clean_text
from bot.i18n import t
from models import Delegation

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)
__all__ = ["DELEGATE_BLOCK", "ENDS_BLOCK", "STARTS_BLOCK"]  # the modal's block ids, where field errors land
MAX_DAYS = 366  # the longest delegation, and how far ahead one may start (a year, a leap year included)
# Slack for the hour a daylight-saving change may add to MAX_DAYS days counted in a time zone.
_MAX_SPAN = timedelta(days=MAX_DAYS, hours=1)


def create_for_days(session: Session, services: Services, *, delegator: str, delegate: str | None,
                    first_day: date | None, last_day: date | None, actor: str, reason: str | None = None,
                    locale: str = "ja") -> Delegation:
    """The modal's way in: whole days in the workspace's time zone, from the start of `first_day`
    to the end of `last_day` (inclusive) — "away 11/25〜11/27" means back on the 28th."""
    errors: dict[str, str] = {}
    if not delegate:
        errors[DELEGATE_BLOCK] = t(locale, "approvals.delegation.errors.required")
    if first_day is None:
        errors[STARTS_BLOCK] = t(locale, "approvals.delegation.errors.required")
    if last_day is None:
        errors[ENDS_BLOCK] = t(locale, "approvals.delegation.errors.required")
    if errors:
        raise ValidationFailed(errors)
    assert delegate and first_day and last_day
    tz = services.calendar.tz
    now = services.clock.now()
    today = now.astimezone(tz).date()
    # Checked on the dates first: the datetimes of e.g. 9999-12-31 would overflow.
    if last_day < first_day:
        errors[ENDS_BLOCK] = t(locale, "approvals.delegation.errors.order")
    elif last_day < today:
        errors[ENDS_BLOCK] = t(locale, "approvals.delegation.errors.past")
    elif (first_day - today).days > MAX_DAYS:
        errors[STARTS_BLOCK] = t(locale, "approvals.delegation.errors.too_late")
    elif (last_day - max(first_day, today)).days + 1 > MAX_DAYS:
        errors[ENDS_BLOCK] = t(locale, "approvals.delegation.errors.too_long", days=MAX_DAYS)
    if errors:
        raise ValidationFailed(errors)
    starts_at = datetime.combine(first_day, time(0), tzinfo=tz)
    ends_at = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=tz)
    if first_day <= now.astimezone(tz).date():
        starts_at = now  # from today (or a day already past): at once — nothing can be decided in the past
    return create(session, services, delegator=delegator, delegate=delegate, starts_at=starts_at,
                  ends_at=ends_at, actor=actor, reason=clean_text(reason or "").strip()[:FREE_TEXT_MAX] or None,
                  locale=locale)


def create(session: Session, services: Services, *, delegator: str, delegate: str, starts_at: datetime,
           ends_at: datetime, actor: str, reason: str | None = None, locale: str = "ja") -> Delegation:
    now = services.clock.now()
    # "system": an approved leave's own delegation (bot/approvals/away.py).
    if actor not in (delegator, "system") and not services.config.is_admin(actor):
        raise NotAuthorized("only the approver or an admin may set a delegate")
    errors: dict[str, str] = {}
    if delegate == delegator:
        errors[DELEGATE_BLOCK] = t(locale, "approvals.delegation.errors.self")
    elif (problem := delegate_problem(services, delegate)) is not None:
        errors[DELEGATE_BLOCK] = t(locale, f"approvals.delegation.errors.{problem}")
    if ends_at <= starts_at:
        errors[ENDS_BLOCK] = t(locale, "approvals.delegation.errors.order")
    elif ends_at <= now:
        errors[ENDS_BLOCK] = t(locale, "approvals.delegation.errors.past")
    elif starts_at - now > _MAX_SPAN:
        errors[STARTS_BLOCK] = t(locale, "approvals.delegation.errors.too_late")
    elif ends_at - max(starts_at, now) > _MAX_SPAN:
        errors[ENDS_BLOCK] = t(locale, "approvals.delegation.errors.too_long", days=MAX_DAYS)
    overlapping = session.scalar(
        select(Delegation.id).where(Delegation.delegator_id == delegator, Delegation.cancelled_at.is_(None),
                                    Delegation.starts_at < ends_at, Delegation.ends_at > starts_at).limit(1))
    if overlapping is not None and not errors:
        errors[STARTS_BLOCK] = t(locale, "approvals.delegation.errors.overlap")
    if errors:
        raise ValidationFailed(errors)
    delegation = Delegation(delegator_id=delegator, delegate_id=delegate, starts_at=starts_at, ends_at=ends_at,
                            reason=reason, created_by=actor)
    session.add(delegation)
    session.flush()
    audit.record(session, actor=actor, action="delegation.created", subject=f"delegation:{delegation.id}",
                 after=_snapshot(delegation), reason=reason, at=now)
    notify.delegation_created(session, services, delegation)
    if starts_at <= now:
        notify_delegation_changes(session, services, now)
    return delegation


def delegate_problem(services: Services, delegate: str) -> str | None:
    """Why `delegate` cannot stand in for anyone: "unknown" (not in the org directory — the people
    approvals are resolved from) or "inactive" (deactivated in Slack, or a bot); None when fine."""
    person = services.config.person_for_slack_id(delegate)
    if person is None:
        return "unknown"
    try:
        user = services.client.users_info(user=delegate).get("user") or {}
    except Exception as exc:  # Slack unreachable: the org directory vouched for them; do not block
        log.warning("users.info for delegate %s failed: %s", delegate, exc)
        return None
    return "inactive" if user.get("deleted") or user.get("is_bot") else None


def cancel(session: Session, services: Services, delegation_id: int, actor: str) -> Delegation:
    delegation = session.get(Delegation, delegation_id, with_for_update=True)
    if delegation is None:
        raise NotFound(f"delegation {delegation_id}")
    if actor not in (delegation.delegator_id, delegation.created_by) and not services.config.is_admin(actor):
        raise NotAuthorized("only the approver or an admin may cancel a delegation")
    now = services.clock.now()
    if delegation.cancelled_at is not None or delegation.ends_at <= now:
        outbox.refresh_home(session, actor)  # a stale Home showed it: show it gone
        return delegation  # already over: cancelling twice is harmless
    before = _snapshot(delegation)
    delegation.cancelled_at = now
    audit.record(session, actor=actor, action="delegation.cancelled", subject=f"delegation:{delegation.id}",
                 before=before, after=_snapshot(delegation), at=now)
    notify_delegation_changes(session, services, now)
    return delegation


def notify_delegation_changes(session: Session, services: Services, now: datetime) -> int:
    """Tell both people about delegations that started or ended since the last sweep; idempotent."""
    told = 0
    starting = session.scalars(select(Delegation).where(
        Delegation.start_notified_at.is_(None), Delegation.cancelled_at.is_(None), Delegation.starts_at <= now,
        Delegation.ends_at > now).with_for_update(skip_locked=True))
    for delegation in starting:
        delegation.start_notified_at = now
        notify.delegation_started(session, services, delegation)
        told += 1
    ending = session.scalars(select(Delegation).where(
        Delegation.end_notified_at.is_(None),
        or_(Delegation.cancelled_at.is_not(None), Delegation.ends_at <= now)).with_for_update(skip_locked=True))
    for delegation in ending:
        delegation.end_notified_at = now
        if delegation.start_notified_at is None:
            delegation.start_notified_at = now  # over before anyone heard of it: one message, the end
        if delegation.cancelled_at is None:  # a cancellation was audited when it happened
            audit.record(session, actor="system", action="delegation.ended", subject=f"delegation:{delegation.id}",
                         after=_snapshot(delegation), at=now)
        notify.delegation_ended(session, services, delegation)
        told += 1
    return told


def _snapshot(d: Delegation) -> dict[str, object]:
    return {"delegator": d.delegator_id, "delegate": d.delegate_id, "starts_at": d.starts_at.isoformat(),
            "ends_at": d.ends_at.isoformat(), "cancelled_at": d.cancelled_at and d.cancelled_at.isoformat()}
