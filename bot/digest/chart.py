"""The digest's chart: new and resolved per week (bars) and the open backlog (line), last 8 weeks.

Japanese labels need a font with CJK glyphs; we ship IPAexGothic through the `matplotlib-fontja`
package (a PyPI wheel, so `make test` works on any machine; the maintained successor of the abandoned
japanize-matplotlib) and register only its font file — we do not import the package's module, which
changes matplotlib's global font settings as it is imported. Rendering warns on a missing glyph; the
chart test turns that warning into a failure."""

from __future__ import annotations

import importlib.util
import io
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.digest.numbers import WeekPoint
from bot.i18n import t
from bot.i18n.dates import format_month_day

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FONT_PACKAGE, FONT_FILE = "matplotlib_fontja", "fonts/ipaexg.ttf"


def _use_agg() -> None:
    """matplotlib is imported when a chart is drawn, not with this module: it costs about a second, and
    every `madoguchi` command imports the digest (most of them never draw)."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers


@cache
def japanese_font() -> str:
    """Register the shipped Japanese font once; returns its family name."""
    # find_spec locates the package without running its __init__ (which would restyle every figure).
    _use_agg()
    from matplotlib import font_manager

    spec = importlib.util.find_spec(FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {FONT_PACKAGE} package (Japanese font for the digest chart) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / FONT_FILE
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def render_chart(locale: str, weeks: list[WeekPoint]) -> bytes:
    """PNG bytes. Uses a Figure directly (not pyplot): no global state, safe in a scheduler thread."""
    out = io.BytesIO()
    chart_figure(locale, weeks).savefig(out, format="png")
    return out.getvalue()


def chart_figure(locale: str, weeks: list[WeekPoint]) -> Figure:
    """The chart; with no ticket in any of its weeks, a titled empty frame saying there is no data yet
    (not an axis from -0.045 to 0.045 around nothing)."""
    family = japanese_font()
    _use_agg()
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(8, 4), dpi=100)
    ax = fig.add_subplot()
    if not any(w.new or w.resolved or w.backlog for w in weeks):
        ax.set_axis_off()
        ax.set_title(t(locale, "digest.chart.title")).set_fontfamily(family)
        ax.text(0.5, 0.5, t(locale, "digest.chart.empty"), ha="center", va="center", transform=ax.transAxes,
                fontsize=14, color="#555555").set_fontfamily(family)
        fig.tight_layout()
        return fig
    labels = [format_month_day(w.start, locale) for w in weeks]
    x = list(range(len(weeks)))
    width = 0.38
    ax.bar([i - width / 2 for i in x], [w.new for w in weeks], width, label=t(locale, "digest.chart.new"),
           color="#4C78A8")
    ax.bar([i + width / 2 for i in x], [w.resolved for w in weeks], width, label=t(locale, "digest.chart.resolved"),
           color="#59A14F")
    ax.plot(x, [w.backlog for w in weeks], marker="o", color="#E15759", label=t(locale, "digest.chart.backlog"))
    ax.set_xticks(x, labels)
    # Counts of tickets: a quiet department's 0–2 must not read "0.2, 0.4, …".
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0)  # counts: the axis starts at zero
    for text in (ax.set_title(t(locale, "digest.chart.title")), ax.set_xlabel(t(locale, "digest.chart.week")),
                 ax.set_ylabel(t(locale, "digest.chart.count"))):
        text.set_fontfamily(family)
    legend = ax.legend(prop={"family": family})
    legend.set_frame_on(False)
    for label in ax.get_xticklabels() + ax.get_yticklabels():
        label.set_fontfamily(family)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig
