"""Modal context in `private_metadata`: small pydantic models holding ids only (3,000 chars max)."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

M = TypeVar("M", bound=BaseModel)


class FormContext(BaseModel):
    """A request form: which type, where it came from, and (resubmission) which ticket."""

    model_config = ConfigDict(extra="ignore")

    type: str
    channel: str | None = None
    ts: str | None = None
    thread_ts: str | None = None
    ticket: int | None = None
    faq_query: int | None = None  # the FAQ question this inquiry escalates

    def dump(self) -> str:
        return self.model_dump_json(exclude_none=True)


class TicketContext(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ticket: int

    def dump(self) -> str:
        return self.model_dump_json()


def load(model: type[M], raw: str | None) -> M | None:
    try:
        return model.model_validate_json(raw or "")
    except ValidationError:
        return None
