"""Validate a form's raw values: the per-form pydantic model first, then what spans fields (dates
relative to today, date order, evidence rules). Errors come back keyed by the input block, in the
user's language, so the modal shows each one next to its field."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import ValidationError

from bot.config.catalog import FormField, RequestType
from bot.config.evidence import EvidenceConfig
from bot.errors import ValidationFailed
from bot.forms.clean import clean_values
from bot.forms.display import yen
from bot.forms.schema import attribute, form_model
from bot.forms.state import block_id
from bot.i18n import t
from bot.i18n.dates import as_date, format_date

DEFAULT_EVIDENCE = EvidenceConfig()


def validate_form(rt: RequestType, raw: dict[str, Any], *, locale: str, today: date,
                  departments: tuple[str, ...], evidence: EvidenceConfig = DEFAULT_EVIDENCE) -> dict[str, Any]:
    """The cleaned values (JSON-ready: dates as ISO strings; files as {id, name, size, mimetype}, their bytes
    not fetched yet), or ValidationFailed."""
    model = form_model(rt, departments)
    given = {k: v for k, v in clean_values(raw).items() if not _empty(v)}
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    try:
        values = model.model_validate(given).model_dump(mode="json", by_alias=True, exclude_none=True)
    except ValidationError as exc:
        for err in exc.errors():
            key = str(err["loc"][0]) if err["loc"] else ""
            spec = rt.field(key)
            if spec is not None and block_id(key) not in errors:
                errors[block_id(key)] = message(spec, err, locale)
        # Keep what did validate, so the checks below can still speak about the other fields.
        values = {k: v for k, v in given.items() if block_id(k) not in errors}
    for key, text in cross_field_problems(rt, values, locale=locale, today=today, evidence=evidence).items():
        errors.setdefault(block_id(key), text)
    if errors:
        raise ValidationFailed(errors)
    return values


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def message(f: FormField, err: dict[str, Any], locale: str) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return t(locale, "form.errors.required")
    if kind == "string_too_short":
        return t(locale, "form.errors.too_short", min=ctx.get("min_length"))
    if kind == "string_too_long":
        return t(locale, "form.errors.too_long", max=ctx.get("max_length"))
    if kind == "string_pattern_mismatch":
        if f.type in ("url", "email", "user"):
            return t(locale, f"form.errors.invalid_{f.type}")
        return f.pattern_message.get(locale) if f.pattern_message else t(locale, "form.errors.invalid_format")
    if kind.startswith("invoice_number_"):  # bot/forms/invoice_number.py: "format" or "check_digit"
        return t(locale, f"form.errors.{kind}")
    if kind in ("greater_than_equal", "greater_than"):
        return t(locale, "form.errors.too_small", min=_number(f, ctx.get("ge", ctx.get("gt"))))
    if kind in ("less_than_equal", "less_than"):
        return t(locale, "form.errors.too_large", max=_number(f, ctx.get("le", ctx.get("lt"))))
    if kind.startswith(("int_", "float_", "decimal_")):
        if f.type == "amount":
            return t(locale, "form.errors.amount")
        return t(locale, "form.errors.whole_number" if f.integer else "form.errors.number")
    if kind.startswith("date"):
        return t(locale, "form.errors.invalid_date")
    if kind == "too_short":
        return t(locale, "form.errors.too_few", min=ctx.get("min_length"))
    if kind == "too_long":
        key = "form.errors.too_many_files" if f.type == "file" else "form.errors.too_many"
        return t(locale, key, max=ctx.get("max_length"))
    if kind == "literal_error":
        return t(locale, "form.errors.invalid_choice")
    return t(locale, "form.errors.invalid_value")


def _number(f: FormField, value: Any) -> str:
    if value is None:
        return ""
    number = int(value) if float(value).is_integer() else value
    return yen(number) if f.type == "amount" else f"{number:,}"


def cross_field_problems(rt: RequestType, values: dict[str, Any], *, locale: str, today: date,
                         evidence: EvidenceConfig = DEFAULT_EVIDENCE) -> dict[str, str]:
    problems: dict[str, str] = file_problems(rt, values, locale=locale, evidence=evidence)
    for f in rt.fields:
        if f.type != "date" or f.key not in values:
            continue
        day = as_date(values[f.key])
        if day is None:
            continue
        earliest = today + timedelta(days=int(f.min)) if f.min is not None else None
        latest = today + timedelta(days=int(f.max)) if f.max is not None else None
        if earliest is not None and day < earliest:
            problems[f.key] = t(locale, "form.errors.date_too_early", date=format_date(earliest, locale))
        elif latest is not None and day > latest:
            problems[f.key] = t(locale, "form.errors.date_too_late", date=format_date(latest, locale))
        elif f.not_before and (other := as_date(values.get(f.not_before))) is not None and day < other:
            label = rt.field(f.not_before).label.get(locale)  # type: ignore[union-attr]
            problems[f.key] = t(locale, "form.errors.date_order", other=label)
    for rule in rt.evidence:
        carried = any(not _empty(values.get(key)) for key in (rule.field, *rule.alternatives))
        if rule.field not in problems and not carried and rule.applies(values):
            problems[rule.field] = rule.message.get(locale)
    spec = rt.receipt
    if spec is not None and not _empty(values.get(spec.files)):
        # The record a tax officer searches by 取引年月日, 取引金額 and 取引先: none of them may be missing.
        for key in (spec.date, spec.amount, spec.counterparty):
            if key not in problems and _empty(values.get(key)):
                problems[key] = t(locale, "form.errors.receipt_needs")
    return problems


def file_problems(rt: RequestType, values: dict[str, Any], *, locale: str,
                  evidence: EvidenceConfig) -> dict[str, str]:
    """Attached files of a type the company does not keep, or larger than it keeps (Slack's own `filetypes`
    check is a convenience only: a desktop client may still send anything)."""
    problems: dict[str, str] = {}
    for f in rt.fields:
        if f.type != "file":
            continue
        for file in values.get(f.key) or []:
            name = str(file.get("name") or "")
            extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            if extension not in evidence.file_types:
                problems[f.key] = t(locale, "form.errors.file_type", name=name,
                                    types=", ".join(evidence.file_types))
                break
            if int(file.get("size") or 0) > evidence.max_file_mb * 1024 * 1024:
                problems[f.key] = t(locale, "form.errors.file_too_large", name=name, mb=evidence.max_file_mb)
                break
    return problems


def validate_fields(rt: RequestType, raw: dict[str, Any], *, locale: str,
                    departments: tuple[str, ...]) -> dict[str, Any]:
    """Some of a form's fields on their own (`madoguchi config simulate --field`), each checked by the form's
    own model as the modal checks it (type, range, options, pattern): the cleaned values (JSON-ready), or
    ValidationFailed keyed by input block. Whether the form is complete, and the checks across fields, are
    validate_form's. ValueError names a key the form does not have."""
    model = form_model(rt, departments)
    form = model.model_construct()
    errors: dict[str, str] = {}
    for key, value in clean_values(raw).items():
        spec = rt.field(key)
        if spec is None:
            raise ValueError(f"{rt.key} has no field {key!r}")
        try:
            model.__pydantic_validator__.validate_assignment(form, attribute(key), value)
        except ValidationError as exc:
            errors[block_id(key)] = message(spec, exc.errors()[0], locale)
    if errors:
        raise ValidationFailed(errors)
    return form.model_dump(mode="json", by_alias=True, exclude_unset=True)
