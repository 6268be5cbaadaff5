"""The digest chart renders its Japanese labels with a real Japanese font (matplotlib warns "Glyph …
missing from font" otherwise; that warning fails this test) and produces a PNG."""

from __future__ import annotations

import warnings
from datetime import date, timedelta

import pytest

from bot.digest.chart import japanese_font, render_chart
from bot.digest.numbers import WeekPoint

WEEKS = [WeekPoint(date(2026, 10, 5) + timedelta(days=7 * i), 10 + i, 8 + i, 30 - i) for i in range(8)]


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_chart_renders_without_missing_glyphs(locale):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = render_chart(locale, WEEKS)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_the_shipped_font_is_japanese():
    assert japanese_font() == "IPAexGothic"
