"""Modal context in `private_metadata`: one small pydantic model per modal, holding pointers only (ids,
versions; 3,000 chars max). The view writes it with `.dump()`; the listener reads it back with `read`,
which refuses anything that is not what we wrote (stale, hand-made or tampered: not JSON, a missing
key, an id that is not an ASCII number an integer column holds) with the model's `refused` error,
answered politely by the one error handler."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from bot.errors import BadValue, DomainError, NotFound

MAX_ID = 2**31 - 1  # the largest integer primary key both databases store


def as_record_id(raw: Any) -> int:
    """A positive id, written in ASCII digits, that fits an integer column; ValueError otherwise."""
    text = str(raw) if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 10 or not 0 < int(text) <= MAX_ID:
        raise ValueError(f"not an id: {str(raw)[:40]!r}")
    return int(text)


RecordId = Annotated[int, BeforeValidator(as_record_id)]


class ModalContext(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # What a listener says when the metadata is not ours: a button-like pointer gone bad.
    refused: ClassVar[type[DomainError]] = BadValue

    def dump(self) -> str:
        return self.model_dump_json(exclude_none=True)


class FormContext(ModalContext):
    """A request form: which type, where it came from, and (resubmission) which ticket."""

    refused: ClassVar[type[DomainError]] = NotFound  # "that item could not be found", as it always said

    type: str
    channel: str | None = None
    ts: str | None = None
    thread_ts: str | None = None
    ticket: RecordId | None = None
    faq_query: RecordId | None = None  # the FAQ question this inquiry escalates


class TicketContext(ModalContext):
    """The desk's and the requester's ticket modals (assign, hold, resolve, reroute, answer)."""

    refused: ClassVar[type[DomainError]] = NotFound

    ticket: RecordId


class ApprovalReasonContext(ModalContext):
    """差戻し / 却下 with a reason: the step, the version the approver saw, and which of the two."""

    step: RecordId
    version: RecordId
    outcome: Literal["approved", "sent_back", "rejected"]  # bot.approvals.decide.OUTCOMES


class ApprovalReassignContext(ModalContext):
    """An admin's 承認者を変更: the step and the version it had when the modal opened."""

    step: RecordId
    version: RecordId


class FaqCaptureContext(ModalContext):
    """"Add to FAQ" from a resolved ticket."""

    ticket_id: RecordId


M = TypeVar("M", bound=ModalContext)


def load(model: type[M], raw: str | None) -> M | None:
    """The context `raw` holds, or None when it is not one of ours."""
    try:
        return model.model_validate_json(raw or "")
    except ValidationError:
        return None


def read(model: type[M], view: dict[str, Any] | None) -> M:
    """A submitted view's context; refused (the model's `refused` error) when it is not one of ours."""
    found = load(model, (view or {}).get("private_metadata"))
    if found is None:
        raise model.refused(f"{model.__name__}: private_metadata is not ours")
    return found
