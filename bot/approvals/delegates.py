"""Who stands in for whom right now (代理承認): the read side of delegations.

Kept below bot/approvals/delegation.py (which creates, cancels and announces them) because deciding,
segregation of duties and the approval messages all ask these questions, and the announcements in
turn use the approval messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import Delegation


def active_at(session: Session, now: datetime, *, delegators: Sequence[str] | None = None,
              delegate: str | None = None) -> list[Delegation]:
    query = select(Delegation).where(Delegation.cancelled_at.is_(None), Delegation.starts_at <= now,
                                     Delegation.ends_at > now)
    if delegators is not None:
        query = query.where(Delegation.delegator_id.in_(list(delegators)))
    if delegate is not None:
        query = query.where(Delegation.delegate_id == delegate)
    return list(session.scalars(query.order_by(Delegation.id)))


def acting_for(session: Session, actor: str, approvers: Sequence[str], now: datetime) -> str | None:
    """The approver `actor` may stand in for right now, if any."""
    found = active_at(session, now, delegators=approvers, delegate=actor)
    return found[0].delegator_id if found else None


def delegates_of(session: Session, approvers: Sequence[str], now: datetime) -> dict[str, str]:
    """delegate → delegator, for the approvers who are away now."""
    return {d.delegate_id: d.delegator_id for d in active_at(session, now, delegators=approvers)}


def current_and_upcoming(session: Session, user: str, now: datetime) -> list[Delegation]:
    """Delegations that involve `user` (either side) and have not ended."""
    return list(session.scalars(
        select(Delegation)
        .where(Delegation.cancelled_at.is_(None), Delegation.ends_at > now,
               or_(Delegation.delegator_id == user, Delegation.delegate_id == user))
        .order_by(Delegation.starts_at)
    ))
