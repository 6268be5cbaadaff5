"""The reminder policy in force for one request type: the `reminders:` defaults, overridden per type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.config.workspace import ReminderPolicy

if TYPE_CHECKING:
    from bot.calendar import BusinessCalendar
    from bot.config import WorkspaceConfig


@dataclass(frozen=True)
class Rules:
    approval_sla_business_hours: float
    interval_business_hours: float
    escalate_after: int
    escalate_to: str
    triage_pings: int
    hold_reminder_after_business_hours: float


_FIELDS = tuple(Rules.__dataclass_fields__)


def rules_for(config: WorkspaceConfig, request_type: str | None) -> Rules:
    policy: ReminderPolicy = config.reminders
    values = {name: getattr(policy, name) for name in _FIELDS}
    override = policy.per_type.get(request_type or "")
    if override is not None:
        values.update({k: v for k, v in override.model_dump().items() if v is not None})
    return Rules(**values)


def approval_due(calendar: BusinessCalendar, config: WorkspaceConfig, request_type: str | None,
                 requested_at: datetime) -> datetime:
    """When a step requested at `requested_at` breaches its SLA (business hours, per type)."""
    return calendar.add_business_hours(requested_at, rules_for(config, request_type).approval_sla_business_hours)


def next_reminder(calendar: BusinessCalendar, rules: Rules, now: datetime) -> datetime:
    return calendar.add_business_hours(now, rules.interval_business_hours)
