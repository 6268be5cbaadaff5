"""The organisation directory: who is who, who reports to whom, who holds which role."""

from __future__ import annotations

import re
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
KEY = r"^[a-z][a-z0-9_]*$"


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=KEY, description="stable handle used by other parts of the config")
    name: str
    slack_id: str | None = None
    email: str | None = None
    department: str | None = None
    manager: str | None = Field(default=None, description="key of this person's manager")
    deputy: str | None = Field(default=None, description="key of who decides this person's approvals while they "
                                                          "are away on an approved leave (default: their manager)")
    roles: list[str] = Field(default_factory=list)
    locale: str | None = Field(default=None, pattern=r"^(ja|en)$")

    @field_validator("slack_id")
    @classmethod
    def _slack_id_shape(cls, value: str | None) -> str | None:
        if value is not None and not SLACK_USER_ID.match(value):
            raise ValueError("must be a Slack user id such as U01ABCDEF")
        return value

    @field_validator("email")
    @classmethod
    def _email_shape(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL.match(value):
            raise ValueError("must be an email address")
        return value.lower() if value else value

    @model_validator(mode="after")
    def _reachable(self) -> Person:
        if not self.slack_id and not self.email:
            raise ValueError("needs slack_id or email")
        return self


class Org(BaseModel):
    model_config = ConfigDict(extra="forbid")

    people: list[Person] = Field(default_factory=list)

    # Lookups by key, Slack id and e-mail run on every request and every App Home render; a 10,000-person
    # directory scanned each time was a hot spot of the month soak. The config is not changed after it is
    # loaded (a reload builds a new Org), so the indexes are built once, on first use. The first person
    # wins on a duplicate, as the scans did (`config check` reports duplicates).
    @cached_property
    def _indexes(self) -> tuple[dict[str, Person], dict[str, Person], dict[str, Person], frozenset[str]]:
        by_key: dict[str, Person] = {}
        by_slack: dict[str, Person] = {}
        by_email: dict[str, Person] = {}
        for p in self.people:
            by_key.setdefault(p.key, p)
            if p.slack_id:
                by_slack.setdefault(p.slack_id, p)
            if p.email:
                by_email.setdefault(p.email, p)
        managers = frozenset(p.manager for p in self.people if p.manager)
        return by_key, by_slack, by_email, managers

    def by_key(self, key: str) -> Person | None:
        return self._indexes[0].get(key)

    def by_slack_id(self, slack_id: str) -> Person | None:
        return self._indexes[1].get(slack_id)

    def by_email(self, email: str) -> Person | None:
        return self._indexes[2].get(email.lower())

    def manages_someone(self, key: str) -> bool:
        return key in self._indexes[3]

    def with_role(self, role: str) -> list[Person]:
        return [p for p in self.people if role in p.roles]
