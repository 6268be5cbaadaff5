"""The rules a receipt record is kept by: its retention end (the fiscal year's end plus the retention years,
counted from the later of the transaction and the entry), and how a counterparty is compared in a search."""

from __future__ import annotations

from datetime import date

import pytest

from bot.config.evidence import EvidenceConfig
from bot.receipts.records import counterparty_key, fiscal_year_end, retain_until


@pytest.mark.parametrize(("day", "end_month", "fiscal_year_ends"), [
    (date(2026, 11, 20), 3, date(2027, 3, 31)),  # April–March: November belongs to the year ending next March
    (date(2027, 3, 31), 3, date(2027, 3, 31)),
    (date(2027, 4, 1), 3, date(2028, 3, 31)),
    (date(2026, 11, 20), 12, date(2026, 12, 31)),  # calendar-year companies
    (date(2027, 2, 10), 2, date(2027, 2, 28)),  # February ends on its last day
    (date(2028, 2, 10), 2, date(2028, 2, 29)),
])
def test_the_fiscal_year_a_day_belongs_to_ends_on_the_last_day_of_the_end_month(day, end_month, fiscal_year_ends):
    assert fiscal_year_end(day, end_month) == fiscal_year_ends


@pytest.mark.parametrize(("transaction", "entered", "years", "kept_until"), [
    (date(2026, 11, 20), date(2026, 11, 24), 7, date(2034, 3, 31)),
    (date(2027, 3, 25), date(2027, 4, 3), 7, date(2035, 3, 31)),  # entered in the next year: kept from that one
    (date(2026, 11, 20), date(2026, 11, 24), 10, date(2037, 3, 31)),  # 欠損金: ten years
])
def test_a_record_is_kept_seven_years_after_its_fiscal_years_end(transaction, entered, years, kept_until):
    assert retain_until(transaction, entered, EvidenceConfig(retention_years=years)) == kept_until


def test_retention_may_not_be_set_below_what_the_law_asks():
    with pytest.raises(ValueError, match="greater than or equal to 7"):
        EvidenceConfig(retention_years=5)


@pytest.mark.parametrize(("typed", "stored"), [
    ("ＡＢＣタクシー", "abcタクシー"),
    ("株式会社　ひかり 文具", "株式会社ひかり文具"),
    ("ｶﾌﾞｼｷｶﾞｲｼｬ", "カブシキガイシャ"),
])
def test_a_counterparty_is_compared_as_people_type_it(typed, stored):
    assert counterparty_key(typed) == stored
