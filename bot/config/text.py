"""Bilingual text as it appears in the config: either one string or {ja: …, en: …}."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, model_validator


class LocalizedText(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ja: str
    en: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_plain_string(cls, value: object) -> object:
        # A single string is Japanese-only text: the product is ja-first.
        return {"ja": value} if isinstance(value, str) else value

    def get(self, locale: str) -> str:
        if locale == "en" and self.en:
            return self.en
        return self.ja
