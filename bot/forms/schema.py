"""One pydantic model per form, built from the catalog: types, required, lengths, ranges, choices.

Field names are prefixed and aliased to the field keys so a key like `json` or `copy` cannot clash
with BaseModel's own attributes."""

from __future__ import annotations

import threading
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, create_model
from pydantic_core import PydanticCustomError

from bot.config.catalog import MAX_FILES, MAX_TEXT_INPUT, FormField, RequestType
from bot.forms.clean import MAX_AMOUNT
from bot.forms.invoice_number import InvalidInvoiceNumber, invoice_number
from bot.i18n.numbers import amount_digits

URL = r"^https?://[^\s<>|]+$"
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
USER = r"^[UW][A-Z0-9]{2,}$"


class SlackFile(BaseModel):
    """A file picked in a file_input, as the view_submission names it (the bytes are fetched on submission)."""

    model_config = ConfigDict(extra="ignore")

    id: Annotated[str, StringConstraints(pattern=r"^F[A-Z0-9]{2,}$")]
    name: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    size: int = Field(default=0, ge=0)
    mimetype: Annotated[str, StringConstraints(max_length=255)] = ""


def _digits_only(value: Any) -> Any:
    # Amounts as people type them ("¥30,000", "３００００円") reach the same integer (bot/i18n/numbers.py).
    if isinstance(value, str):
        value = amount_digits(value)
        if len(value.lstrip("+-0").split(".")[0]) > len(str(MAX_AMOUNT)):
            # Thousands of digits: refused before anything parses them, as "too large" (a field error).
            raise PydanticCustomError("less_than_equal", "too large", {"le": MAX_AMOUNT})
    return value


def _invoice_number(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return invoice_number(value)
    except InvalidInvoiceNumber as exc:
        raise PydanticCustomError(f"invoice_number_{exc.reason}", "not an invoice registration number") from None


def _cap(hi: float | None) -> float:
    """The config's max, never above the global cap (a config without a max still has one)."""
    return MAX_AMOUNT if hi is None else min(hi, MAX_AMOUNT)


def _bound(value: float | None) -> int | None:
    return int(value) if value is not None else None


def annotation(f: FormField, departments: tuple[str, ...]) -> Any:
    lo, hi = f.min, f.max
    if f.type in ("text", "textarea"):
        return Annotated[str, StringConstraints(strip_whitespace=True, min_length=_bound(lo),
                                                max_length=_bound(hi) or MAX_TEXT_INPUT, pattern=f.pattern)]
    if f.type == "number":
        base = int if f.integer else float
        return Annotated[base, BeforeValidator(_digits_only), Field(ge=lo, le=_cap(hi))]
    if f.type == "amount":
        return Annotated[int, BeforeValidator(_digits_only), Field(ge=lo if lo is not None else 0, le=_cap(hi))]
    if f.type == "date":
        return date
    if f.type == "user":
        return Annotated[str, StringConstraints(pattern=USER)]
    if f.type == "url":
        return Annotated[str, StringConstraints(strip_whitespace=True, pattern=URL, max_length=MAX_TEXT_INPUT)]
    if f.type == "email":
        return Annotated[str, StringConstraints(strip_whitespace=True, pattern=EMAIL, max_length=254)]
    if f.type == "invoice_number":
        return Annotated[str, BeforeValidator(_invoice_number)]
    if f.type == "file":
        return Annotated[list[SlackFile], Field(min_length=_bound(lo) or 1, max_length=_bound(hi) or MAX_FILES)]
    if f.type == "department":
        return Literal[departments]  # type: ignore[valid-type]
    choice = Literal[tuple(o.value for o in f.options)]  # type: ignore[valid-type]
    if f.type == "select":
        return choice
    return Annotated[list[choice], Field(min_length=_bound(lo), max_length=_bound(hi))]  # type: ignore[valid-type]


def attribute(key: str) -> str:
    return f"f_{key}"


_MODELS: dict[tuple[int, tuple[str, ...]], tuple[RequestType, type[BaseModel]]] = {}
_LOCK = threading.Lock()


def form_model(rt: RequestType, departments: tuple[str, ...]) -> type[BaseModel]:
    """The model for `rt`, built once per process (the config does not change while it runs)."""
    cache_key = (id(rt), departments)
    with _LOCK:
        hit = _MODELS.get(cache_key)
        if hit is not None and hit[0] is rt:
            return hit[1]
        fields: dict[str, Any] = {}
        for f in rt.fields:
            kind = annotation(f, departments)
            if f.required:
                fields[attribute(f.key)] = (kind, Field(alias=f.key))
            else:
                fields[attribute(f.key)] = (kind | None, Field(default=None, alias=f.key))
        model = create_model(  # type: ignore[call-overload]
            f"Form_{rt.key}",
            __config__=ConfigDict(extra="ignore", regex_engine="python-re", populate_by_name=False),
            **fields,
        )
        _MODELS[cache_key] = (rt, model)
        return model
