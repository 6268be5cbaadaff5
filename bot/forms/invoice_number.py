"""インボイス登録番号 (適格請求書発行事業者の登録番号): `T` and 13 digits, the first of which is a check digit.

The check digit is the 法人番号's (法人番号の指定等に関する省令 第2条): over the 12 base digits P1…P12 counted
from the right, with Qn = 1 for odd n and 2 for even n, check = 9 − (Σ Pn·Qn mod 9). A corporation's number is
`T` + its 法人番号; a sole proprietor's is another 13-digit number built the same way.

People copy the number from an invoice as it is printed: full-width digits, hyphens or spaces between groups,
a lower-case `t`, or the 13 digits without the `T`. All of those are read as the number they mean."""

from __future__ import annotations

import re
import unicodedata

SHAPE = re.compile(r"^T?(\d{13})$")
# What may stand between the groups of a printed number (hyphens of every width, spaces, dots).
SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−ー・.]")


class InvalidInvoiceNumber(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "format": not T + 13 digits; "check_digit": a digit is wrong


def check_digit(base: str) -> int:
    """The check digit of 12 base digits (the 13-digit number without its first digit)."""
    if len(base) != 12 or not base.isdigit():
        raise ValueError("12 digits expected")
    total = sum(int(digit) * (1 if n % 2 else 2) for n, digit in enumerate(reversed(base), start=1))
    return 9 - total % 9


def invoice_number(text: str) -> str:
    """`text` as the canonical `T` + 13 ASCII digits, or InvalidInvoiceNumber."""
    folded = SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    match = SHAPE.match(folded) if folded.isascii() else None
    if match is None:
        raise InvalidInvoiceNumber("format")
    digits = match.group(1)
    if int(digits[0]) != check_digit(digits[1:]):
        raise InvalidInvoiceNumber("check_digit")
    return "T" + digits
