"""インボイス登録番号 as people copy them from invoices: read to T + 13 digits, or refused with the reason."""

from __future__ import annotations

import pytest

from bot.forms.invoice_number import InvalidInvoiceNumber, check_digit, invoice_number

# 法人番号 published by the National Tax Agency's 法人番号公表サイト: 国税庁 itself, and a listed company.
NTA = "7000012050002"
LISTED = "1180301018771"


@pytest.mark.parametrize("number", [NTA, LISTED])
def test_the_check_digit_of_published_corporate_numbers(number: str) -> None:
    assert check_digit(number[1:]) == int(number[0])


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("T7000012050002", "T7000012050002"),
        ("t7000012050002", "T7000012050002"),
        ("７００００１２０５０００２", "T7000012050002"),  # full width, without the T
        ("Ｔ７０００－０１２０－５０００２", "T7000012050002"),  # full width with hyphens
        ("T 1-1803-0101-8771", "T1180301018771"),
        (" T1180301018771 ", "T1180301018771"),
    ],
)
def test_a_number_is_read_as_printed(typed: str, read: str) -> None:
    assert invoice_number(typed) == read


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("T700001205000", "format"),  # 12 digits
        ("T70000120500021", "format"),  # 14 digits
        ("X7000012050002", "format"),
        ("T7000012O50002", "format"),  # a letter O for a zero
        ("T７000012050002x", "format"),
        ("", "format"),
        ("T٧000012050002", "format"),  # Arabic-Indic digits are digits to Python, not to the tax office
        ("T8000012050002", "check_digit"),  # the check digit off by one
        ("T7000012050003", "check_digit"),  # a base digit off by one
        ("T7000021050002", "check_digit"),  # two base digits swapped
    ],
)
def test_a_wrong_number_is_refused_with_its_reason(typed: str, reason: str) -> None:
    with pytest.raises(InvalidInvoiceNumber) as refused:
        invoice_number(typed)
    assert refused.value.reason == reason


def test_every_single_digit_typo_is_caught_but_a_zero_for_a_nine() -> None:
    # Weights 1 and 2 modulo 9: a digit typed wrong changes the sum by a non-multiple of 9, except 0 ↔ 9 in a
    # base digit. Those are exactly the typos the check digit lets through.
    slipped = set()
    for position in range(13):
        for digit in "0123456789":
            typo = NTA[:position] + digit + NTA[position + 1:]
            if typo == NTA:
                continue
            try:
                invoice_number(typo)
            except InvalidInvoiceNumber:
                continue
            slipped.add((position, NTA[position], digit))
    assert slipped == {(p, "0", "9") for p in range(1, 13) if NTA[p] == "0"}
