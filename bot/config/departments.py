"""Back-office departments: where requests land and who works them."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.config.text import LocalizedText

CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")


class RoutingKeywords(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ja: list[str] = Field(default_factory=list)
    en: list[str] = Field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.ja, *self.en]


class Department(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: LocalizedText
    ticket_prefix: str = Field(pattern=r"^[A-Z]{2,5}$", description="ticket numbers look like FIN-0042")
    triage_channel: str
    agents: list[str] = Field(default_factory=list, description="person keys")
    admins: list[str] = Field(default_factory=list, description="person keys")
    approvers: list[str] = Field(default_factory=list, description="person keys")
    keywords: RoutingKeywords = Field(default_factory=RoutingKeywords)

    @field_validator("triage_channel")
    @classmethod
    def _channel_shape(cls, value: str) -> str:
        if not CHANNEL_ID.match(value):
            raise ValueError("must be a Slack channel id such as C01ABCDEF")
        return value
