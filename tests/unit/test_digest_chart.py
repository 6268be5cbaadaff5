"""The digest chart renders its Japanese labels with a real Japanese font (matplotlib warns "Glyph …
missing from font" otherwise; that warning fails this test) and produces a PNG."""

from __future__ import annotations

import importlib.util
import warnings
from datetime import date, timedelta
from pathlib import Path

import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from bot.digest.chart import FONT_FILE, FONT_PACKAGE, chart_figure, japanese_font, render_chart
from bot.digest.numbers import WeekPoint
from bot.i18n import t

WEEKS = [WeekPoint(date(2026, 10, 5) + timedelta(days=7 * i), 10 + i, 8 + i, 30 - i) for i in range(8)]


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_chart_renders_without_missing_glyphs(locale):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = render_chart(locale, WEEKS)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_the_shipped_font_is_japanese():
    assert japanese_font() == "IPAexGothic"


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_every_chart_label_is_in_the_shipped_font_so_no_system_font_is_needed(locale):
    """A fresh machine has no CJK font installed (no fonts-ipaexfont / fonts-noto-cjk): the labels must
    come from the wheel's font file alone, whatever fonts this machine happens to have."""
    family = japanese_font()
    spec = importlib.util.find_spec(FONT_PACKAGE)
    assert spec is not None and spec.submodule_search_locations
    path = str(Path(next(iter(spec.submodule_search_locations))) / FONT_FILE)  # inside the wheel
    resolved = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    assert font_manager.FontProperties(fname=resolved).get_name() == family == "IPAexGothic"
    covered = set(FT2Font(path).get_charmap())
    labels = [t(locale, f"digest.chart.{key}") for key in ("title", "new", "resolved", "backlog", "week", "count")]
    labels += [f"{w.start:%m/%d}" for w in WEEKS] + [str(n) for n in range(10)]
    missing = {ch for label in labels for ch in label if ord(ch) not in covered and not ch.isspace()}
    assert missing == set()


def test_a_quiet_week_counts_in_whole_tickets_not_fractions():
    quiet = [WeekPoint(date(2026, 10, 5) + timedelta(days=7 * i), i % 2, 1 if i == 3 else 0, 2 - i % 3)
             for i in range(8)]
    fig = chart_figure("ja", quiet)
    fig.canvas.draw()
    ticks = fig.axes[0].get_yticks()
    assert len(ticks) >= 2 and all(float(tick).is_integer() for tick in ticks), ticks
