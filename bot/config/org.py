"""The organisation directory: who is who, who reports to whom, who holds which role."""

from __future__ import annotations

import re

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

    def by_key(self, key: str) -> Person | None:
        return next((p for p in self.people if p.key == key), None)

    def by_slack_id(self, slack_id: str) -> Person | None:
        return next((p for p in self.people if p.slack_id == slack_id), None)

    def by_email(self, email: str) -> Person | None:
        email = email.lower()
        return next((p for p in self.people if p.email == email), None)

    def with_role(self, role: str) -> list[Person]:
        return [p for p in self.people if role in p.roles]
