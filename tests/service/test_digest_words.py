"""What staff read in the weekly digest channel: the numbers explained in the message itself (the readers
have no repository to open, so no "see docs/DIGEST.md"), a link to the operator's own page when
`digest.help_url` names one, and on a fresh install a plain "no data yet" instead of a page of zeros and
a chart whose axis runs from -0.045 to 0.045 (the chart says there is no data yet).

Posted Monday 2026-11-30 09:00 JST (digest_fixtures.POSTED_AT) to CDIGEST01."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.clock import ManualClock
from bot.digest.chart import chart_figure
from bot.digest.numbers import WeekPoint
from bot.digest.post import post_if_due
from tests.harness import start_bot
from tests.service.approvals_fixtures import approval_config
from tests.service.digest_fixtures import POSTED_AT, seed

CHANNEL = "CDIGEST01"


def start(engine, *, seeded: bool, help_url: str | None = None):
    config = approval_config()
    if help_url:
        config = config.model_copy(update={"digest": config.digest.model_copy(update={"help_url": help_url})})
    running = start_bot(engine, config=config, clock=ManualClock(POSTED_AT))
    if seeded:
        with running.services.session_factory() as session, session.begin():
            seed(session)
    return running


def posted(bot) -> tuple[str, list[dict]]:
    assert post_if_due(bot.services, POSTED_AT) == f"2026-W49: posted to {CHANNEL}"
    bot.deliver()
    (digest,) = [m for m in bot.slack.messages(CHANNEL) if "週次ダイジェスト" in m.get("text", "")]
    return digest["text"] + " " + str(digest["blocks"]), bot.slack.files()


@pytest.fixture
def engine(clean_engine):
    return clean_engine


def test_a_fresh_install_posts_a_short_no_data_yet_digest_and_an_empty_state_chart(engine):
    bot = start(engine, seeded=False)
    try:
        shown, files = posted(bot)
    finally:
        bot.stop()

    assert "まだ集計できるデータがありません" in shown
    assert "新規 0" not in shown and "—" not in shown and "docs/DIGEST.md" not in shown
    (chart,) = files  # the chart says "no data yet" (see the chart tests below), not an axis around nothing
    assert chart.content[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("help_url", "link"),
    [(None, None), ("https://wiki.example.com/madoguchi/digest", "<https://wiki.example.com/madoguchi/digest|説明ページ>")],
)
def test_the_digest_explains_its_numbers_in_the_message_and_links_the_operators_page(engine, help_url, link):
    bot = start(engine, seeded=True, help_url=help_url)
    try:
        shown, files = posted(bot)
    finally:
        bot.stop()

    assert "docs/DIGEST.md" not in shown
    assert "p90 = 10件中9件がこの時間以内" in shown and "未処理 = 週末時点で終わっていない件数" in shown
    assert (link in shown) if link else ("説明ページ" not in shown)
    assert len(files) == 1


@pytest.mark.parametrize(("locale", "words"), [("ja", "まだデータがありません"), ("en", "No data yet")])
def test_an_empty_chart_says_so_instead_of_drawing_an_axis_around_nothing(locale, words):
    empty = [WeekPoint(date(2026, 10, 5) + timedelta(days=7 * i), 0, 0, 0) for i in range(8)]

    fig = chart_figure(locale, empty)
    fig.canvas.draw()

    (ax,) = fig.axes
    assert not ax.axison  # no ticks at -0.045 … 0.045
    assert words in [text.get_text() for text in ax.texts]


def test_a_chart_with_tickets_counts_from_zero():
    weeks = [WeekPoint(date(2026, 10, 5) + timedelta(days=7 * i), 3, 2, 5) for i in range(8)]

    fig = chart_figure("en", weeks)
    fig.canvas.draw()

    (ax,) = fig.axes
    assert ax.get_ylim()[0] == 0
    assert [label.get_text() for label in ax.get_xticklabels()][:2] == ["Oct 5", "Oct 12"]
