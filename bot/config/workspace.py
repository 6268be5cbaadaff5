"""The workspace config file: one YAML document describing this company's back office.

Everything a back-office admin edits lives here (departments, people, calendar, digest, request
catalog, approval rules, reminder policy) so that adding a request type needs no Python.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.calendar import CalendarConfig
from bot.config.approval_rules import approver_problems, period_problems
from bot.config.catalog import RequestType, catalog_problems
from bot.config.departments import CHANNEL_ID, Department
from bot.config.evidence import EvidenceConfig
from bot.config.org import Org, Person
from bot.config.text import LocalizedText

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class DigestConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: str | None = Field(default=None, description="channel id; no channel → no digest")
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    at: time = time(9, 0)
    unanswered_min_askers: int = Field(
        default=3, ge=2, description="an unanswered question appears in the digest only when this many different "
        "people asked it (questions asked in a DM are private: never one person's words in a channel)")

    help_url: str | None = Field(
        default=None, description="https URL of a page (e.g. your wiki) explaining the digest's numbers; the "
        "digest links to it. Without it the digest explains them briefly in the message itself")

    @field_validator("channel")
    @classmethod
    def _channel_shape(cls, value: str | None) -> str | None:
        if value is not None and not CHANNEL_ID.match(value):
            raise ValueError("must be a Slack channel id such as C01ABCDEF")
        return value

    @field_validator("help_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https://[^\s<>|]+", value):
            raise ValueError("must be an https:// URL, e.g. https://wiki.example.com/madoguchi-digest")
        return value


class RoutingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fallback: str = "general_affairs"
    help_channels: list[str] = Field(default_factory=list, description="channels where 🎫 opens an inquiry")
    ticket_reaction: str = "ticket"


FAQ_VALUE_KEY = re.compile(r"[a-z][a-z0-9_]*")


class FaqConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    synonyms: list[list[str]] = Field(default_factory=list, description="groups of interchangeable words")
    seed_default_kb: bool = True
    values: dict[str, LocalizedText | None] = Field(
        default_factory=dict, description="this company's values that KB answers name as {{key}} (締め日, 内線, "
        "portal URLs…): a string, or {ja: …, en: …} where the English differs; empty = not filled in yet")

    @field_validator("values", mode="before")
    @classmethod
    def _numbers_as_text(cls, values: object) -> object:
        # `guest_parking_spaces: 2` reads as the text "2" (YAML would otherwise hand over a number)
        if isinstance(values, dict):
            return {k: str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
                    for k, v in values.items()}
        return values

    @field_validator("values")
    @classmethod
    def _value_keys(cls, values: dict[str, LocalizedText | None]) -> dict[str, LocalizedText | None]:
        bad = [key for key in values if not FAQ_VALUE_KEY.fullmatch(key)]
        if bad:
            raise ValueError(f"keys are lowercase names such as closing_day, not {', '.join(map(repr, bad))}")
        return values


class ReminderRules(BaseModel):
    """How stalled items are chased; every field optional so a per-type entry overrides only what it names."""

    model_config = ConfigDict(extra="forbid")

    approval_sla_business_hours: float | None = Field(default=None, gt=0)
    interval_business_hours: float | None = Field(default=None, gt=0, description="at most one reminder per this")
    escalate_after: int | None = Field(default=None, ge=1, description="reminders before escalating")
    escalate_to: Literal["manager", "department_admin", "skip"] | None = None
    triage_pings: int | None = Field(default=None, ge=0, description="pings of the triage channel per ticket")
    hold_reminder_after_business_hours: float | None = Field(default=None, gt=0)


class ReminderPolicy(BaseModel):
    """Defaults for stalled items; `per_type` overrides them for one request type (bot/reminders/policy.py)."""

    model_config = ConfigDict(extra="forbid")

    approval_sla_business_hours: float = Field(default=8, gt=0)
    interval_business_hours: float = Field(default=4, gt=0)
    escalate_after: int = Field(default=2, ge=1)
    escalate_to: Literal["manager", "department_admin", "skip"] = "manager"
    triage_pings: int = Field(default=3, ge=0, description="unclaimed past first-response due: pings per ticket")
    hold_reminder_after_business_hours: float = Field(default=16, gt=0, description="on hold: remind once")
    near_breach_business_hours: float = Field(
        default=4, gt=0, description="App Home: open tickets due within this many business hours are flagged")
    per_type: dict[str, ReminderRules] = Field(default_factory=dict, description="request type key → overrides")


class WorkspaceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default_locale: Literal["ja", "en"] = "ja"
    admins: list[str] = Field(default_factory=list, description="person keys of back-office admins")
    departments: list[Department] = Field(min_length=1)
    org: Org = Field(default_factory=Org)
    calendar: CalendarConfig = Field(default_factory=CalendarConfig)
    digest: DigestConfig = Field(default_factory=DigestConfig)
    routing: RoutingConfig = Field(default_factory=RoutingConfig)
    faq: FaqConfig = Field(default_factory=FaqConfig)
    reminders: ReminderPolicy = Field(default_factory=ReminderPolicy)
    evidence: EvidenceConfig = Field(default_factory=EvidenceConfig)
    request_types: list[RequestType] = Field(default_factory=list, description="the request catalog")

    @model_validator(mode="after")
    def _references(self) -> WorkspaceConfig:
        problems = list(reference_problems(self))
        if problems:
            raise ReferenceErrors(problems)
        return self

    # -- lookups used across the app -------------------------------------------------------
    def department(self, key: str) -> Department | None:
        return next((d for d in self.departments if d.key == key), None)

    def request_type(self, key: str) -> RequestType | None:
        return next((r for r in self.request_types if r.key == key), None)

    def person_for_slack_id(self, slack_id: str) -> Person | None:
        return self.org.by_slack_id(slack_id)

    def slack_ids(self, person_keys: list[str]) -> list[str]:
        return [p.slack_id for k in person_keys if (p := self.org.by_key(k)) and p.slack_id]

    def admin_slack_ids(self) -> list[str]:
        return self.slack_ids(self.admins)

    def is_admin(self, slack_id: str) -> bool:
        return slack_id in self.admin_slack_ids()


class ReferenceErrors(ValueError):
    """Cross-references that point nowhere; each item is (key path, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{path}: {msg}" for path, msg in problems))


def _duplicates(values: list[str]) -> set[str]:
    seen: set[str] = set()
    return {v for v in values if v in seen or seen.add(v)}  # type: ignore[func-returns-value]


def reference_problems(cfg: WorkspaceConfig):
    people = {p.key for p in cfg.org.people}
    dept_keys = [d.key for d in cfg.departments]
    for dup in _duplicates(dept_keys):
        yield f"departments[{dept_keys.index(dup)}].key", f"duplicate department {dup!r}"
    prefixes = [d.ticket_prefix for d in cfg.departments]
    for dup in _duplicates(prefixes):
        yield f"departments[{prefixes.index(dup)}].ticket_prefix", f"duplicate prefix {dup!r}"
    keys = [p.key for p in cfg.org.people]
    for dup in _duplicates(keys):
        yield f"org.people[{keys.index(dup)}].key", f"duplicate person {dup!r}"
    slack_ids = [p.slack_id for p in cfg.org.people if p.slack_id]
    for dup in _duplicates(slack_ids):
        yield "org.people", f"slack_id {dup!r} is used by more than one person"
    for i, dept in enumerate(cfg.departments):
        for field in ("agents", "admins", "approvers"):
            for j, key in enumerate(getattr(dept, field)):
                if key not in people:
                    yield f"departments[{i}].{field}[{j}]", f"unknown person {key!r}"
    for i, person in enumerate(cfg.org.people):
        if person.manager is not None:
            if person.manager not in people:
                yield f"org.people[{i}].manager", f"unknown person {person.manager!r}"
            elif person.manager == person.key:
                yield f"org.people[{i}].manager", "a person cannot be their own manager"
        if person.deputy is not None:
            if person.deputy not in people:
                yield f"org.people[{i}].deputy", f"unknown person {person.deputy!r}"
            elif person.deputy == person.key:
                yield f"org.people[{i}].deputy", "a person cannot be their own deputy"
        if person.department is not None and person.department not in dept_keys:
            yield f"org.people[{i}].department", f"unknown department {person.department!r}"
    yield from _manager_cycles(cfg)
    yield from catalog_problems(cfg.request_types, dept_keys)
    for i, rt in enumerate(cfg.request_types):
        yield from approver_problems(rt.approval, f"request_types[{i}].approval", cfg.org, cfg.departments)
        yield from period_problems(rt.approval, f"request_types[{i}].approval")
    for j, key in enumerate(cfg.admins):
        if key not in people:
            yield f"admins[{j}]", f"unknown person {key!r}"
    type_keys = {rt.key for rt in cfg.request_types}
    for key in cfg.reminders.per_type:
        if key not in type_keys:
            yield f"reminders.per_type.{key}", f"unknown request type {key!r}"
    if cfg.routing.fallback not in dept_keys:
        yield "routing.fallback", f"unknown department {cfg.routing.fallback!r}"
    for j, channel in enumerate(cfg.routing.help_channels):
        if not CHANNEL_ID.match(channel):
            yield f"routing.help_channels[{j}]", "must be a Slack channel id such as C01ABCDEF"


def _manager_cycles(cfg: WorkspaceConfig):
    managers = {p.key: p.manager for p in cfg.org.people}
    for i, person in enumerate(cfg.org.people):
        if person.manager == person.key:
            continue  # reported on its own above
        seen = {person.key}
        current = managers.get(person.key)
        while current is not None and current in managers:
            if current in seen:
                yield f"org.people[{i}].manager", "the management chain loops back"
                break
            seen.add(current)
            current = managers.get(current)


