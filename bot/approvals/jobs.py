"""Delegation (代理承認) notices: tell both people when a delegation starts and when it ends.

Every 5 minutes is precise enough for date-range absences; the sweep is idempotent (each notice is
stamped on the delegation row and de-duplicated in the outbox), so a missed slot is caught up by the next."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.approvals.delegation import notify_delegation_changes
from bot.scheduler import Every, Idle, periodic
from models.db import transaction

if TYPE_CHECKING:
    from bot.services import Services


@periodic("delegation-notices", Every(minutes=5))
def delegation_notices(services: Services, slot: str) -> str:
    with transaction(services.session_factory) as session:
        told = notify_delegation_changes(session, services, services.clock.now())
    if told:  # an idle sweep wrote nothing: waking the outbox would only cost it a round
        services.dispatcher.notify()
    return f"{told} delegation notices" if told else Idle(f"{told} delegation notices")
