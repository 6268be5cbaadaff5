"""Amounts as people type them, read in one place: 50000, 50,000, ¥50,000, ￥50,000, 50,000円, ５０，０００,
「５０，０００ 円」 all mean 50000.

NFKC first (full-width digits, commas, ￥ and spaces become their ASCII forms), then the yen sign, 円 and
spaces are dropped, and commas too when they group thousands (50,000; not 50,00, a slip we do not guess
at). What is left is handed to the caller's number type (pydantic's int for a form field, Decimal for an
approval rule), which refuses anything else — a decimal point in an amount, letters, 5万 — with a message
saying what is accepted (form.errors.amount)."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

_AROUND = re.compile(r"[¥円\s]")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def amount_digits(text: str) -> str:
    """`text` with what people add around a number removed: "¥５０，０００ 円" -> "50000". Commas that do not
    group thousands ("50,00") are left in, so the caller's number type refuses it."""
    plain = _AROUND.sub("", unicodedata.normalize("NFKC", text))
    if "," in plain and _GROUPED.fullmatch(plain):
        return plain.replace(",", "")
    return plain


def parse_amount(value: Any) -> Decimal | None:
    """A number from a form value or a stored one (int, float, Decimal or text such as "¥300,000"); None
    when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    if isinstance(value, str):
        digits = amount_digits(value)
        if not digits:
            return None
        try:
            number = Decimal(digits)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None
