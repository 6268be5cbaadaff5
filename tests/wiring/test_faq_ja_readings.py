"""Issue 13 scenario, over signed HTTP like Slack: Japanese typed the way employees type it (a number
question, katakana for kanji, half-width kana) is answered directly, with 解決した / 解決しない."""

from __future__ import annotations

import pytest

from bot.slack_ids import FaqAction
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


@pytest.mark.parametrize(("question", "own_question"), [
    ("友達の会社って有給何日くらいあるの？", "有給って何日くらいあるの？"),
    ("他社の経費精算の締め日はいつ？", "経費精算の締め日はいつ？"),
    ("兄の職場のVPNがつながらない", "VPNがつながらない"),
])
def test_another_companys_matter_is_not_answered_with_ours(bot, question: str, own_question: str) -> None:
    """The KB answers for this company: a question about another company's (or a relative's workplace's)
    rule gets at most もしかして buttons and the offer to ask a person, never our rule as the answer; the
    same question about our company is answered."""
    dm = bot.slack.dm_channel(YAMADA)

    bot.dm(YAMADA, question)
    bot.deliver()
    theirs = last_message(bot, dm)
    assert FaqAction.HELPED not in buttons(theirs)
    assert FaqAction.ESCALATE in buttons(theirs)
    assert queries(bot)[-1].tier in ("suggest", "none")

    bot.dm(YAMADA, own_question)
    bot.deliver()
    assert set(buttons(last_message(bot, dm))) == {FaqAction.HELPED, FaqAction.NOT_HELPED}
