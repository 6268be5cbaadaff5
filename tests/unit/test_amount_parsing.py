"""Amounts as people type them (bot/i18n/numbers.py), the one parser of forms and approval rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.i18n.numbers import parse_amount


@pytest.mark.parametrize(("typed", "read"), [
    ("50000", Decimal(50000)), ("50,000", Decimal(50000)), ("¥50,000", Decimal(50000)),
    ("￥50,000", Decimal(50000)), ("50,000円", Decimal(50000)), ("５０，０００", Decimal(50000)),
    ("５００００ 円", Decimal(50000)), ("1,234,567", Decimal(1234567)), (" 300000 ", Decimal(300000)),
    (300000, Decimal(300000)),
])
def test_what_people_type_is_read_as_the_amount_they_mean(typed, read):
    assert parse_amount(typed) == read


@pytest.mark.parametrize("typed", ["50,00", "5,0000", ",500", "500,", "5万円", "abc", "", "¥", True])
def test_what_is_not_an_amount_is_not_guessed_at(typed):
    assert parse_amount(typed) is None
