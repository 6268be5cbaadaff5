"""Amounts as people type them, read in one place: 50000, 50,000, ¥50,000, ￥50,000, 50,000円, ５０，０００,
「５０，０００ 円」 all mean 50000.

NFKC first (full-width digits, commas, ￥ and spaces become their ASCII forms), then the yen sign, 円,
thousands separators and spaces are dropped. What is left is handed to the caller's number type
(pydantic's int for a form field, Decimal for an approval rule), which refuses anything else — a decimal
point in an amount, letters, 5万 — with a message saying what is accepted (form.errors.amount)."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

_NOISE = re.compile(r"[¥,円\s]")


def amount_digits(text: str) -> str:
    """`text` with what people add around a number removed: "¥５０，０００ 円" -> "50000"."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text))


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
