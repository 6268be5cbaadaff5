"""Issue 13 scenario, over signed HTTP like Slack: Japanese typed the way employees type it (a number
question, katakana for kanji, half-width kana) is answered directly, with 解決した / 解決しない."""

from __future__ import annotations

import pytest

from handlers.ids import FaqAction
from tests.wiring.test_faq_flow import YAMADA, buttons, click, last_message, queries


@pytest.mark.parametrize(("question", "entry_question"), [
    ("有給は何日ありますか", "有給休暇の残日数を確認したい"),
    ("ケイヒセイサンの締め切り", "経費精算の締め日はいつですか？"),
    ("ｷｭｳﾖﾒｲｻｲどこ", "給与明細はどこで見られますか？"),
])
def test_kana_and_everyday_japanese_is_answered_directly(bot, question: str, entry_question: str) -> None:
    dm = bot.slack.dm_channel(YAMADA)

    assert bot.dm(YAMADA, question).status == 200
    bot.deliver()

    answer = last_message(bot, dm)
    blocks = str(answer["blocks"])
    assert entry_question in blocks
    assert set(buttons(answer)) == {FaqAction.HELPED, FaqAction.NOT_HELPED}  # an answer, not もしかして
    assert "解決した" in blocks and "解決しない" in blocks

    assert click(bot, YAMADA, dm, answer, FaqAction.HELPED).status == 200
    bot.deliver()
    assert queries(bot)[-1].outcome == "helped"
