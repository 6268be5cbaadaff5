"""A typed text that a spreadsheet would evaluate gets a leading apostrophe; anything else is left alone."""

from __future__ import annotations

import pytest

from bot.csv_cells import inert


@pytest.mark.parametrize("typed", ["=1+1", "+81-3-1234-5678", "-交通費", "@SUM(A1)", "\t=1", "\r=1"])
def test_what_a_spreadsheet_would_run_is_made_text(typed):
    assert inert(typed) == "'" + typed


@pytest.mark.parametrize("typed", ["株式会社サンプル", "大阪出張 = 新幹線", "", "'already quoted", "ー全角の長音"])
def test_everything_else_is_unchanged(typed):
    assert inert(typed) == typed
