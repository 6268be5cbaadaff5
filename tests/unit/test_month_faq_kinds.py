"""The month soak asks FAQ questions by the tier the default KB should give them and fails when a reply is of
another tier. These questions must sit in their tier with room to spare, or a threshold refit (issue 13)
silently turns the soak's FAQ check into a check of stale expectations."""

from __future__ import annotations

import pytest

from bench.month import FAQ
from bot.config.load import load_workspace
from bot.faqdesk.index import synonyms_for
from bot.settings import BUNDLED_CONFIG
from faq.data import default_kb_path
from faq.engine import FaqEngine
from faq.formats import load_docs

TIER = {"answered": "answer", "suggested": "suggest", "escalated": "none"}
ROOM = 0.02  # a top score this close to a cut-off is one KB keyword away from the other tier


@pytest.fixture(scope="module")
def engine() -> FaqEngine:
    """As the bot builds it for the soak's company: the default KB, the bundled config's synonyms."""
    return FaqEngine.build(load_docs(default_kb_path()), synonyms=synonyms_for(load_workspace(BUNDLED_CONFIG)))


@pytest.mark.parametrize(("lang", "kind", "text"), [
    (lang, kind, text) for lang, kinds in FAQ.items() for kind, texts in kinds.items() for text in texts])
def test_each_soak_question_gets_its_tier_with_room_to_spare(engine: FaqEngine, lang: str, kind: str,
                                                              text: str) -> None:
    answer = engine.ask(text)
    assert answer.tier == TIER[kind], (text, [m.score for m in answer.matches[:2]])
    top = answer.matches[0].score if answer.matches else 0.0
    cut = engine.thresholds.for_text(text)
    assert min(abs(top - cut.answer), abs(top - cut.suggest)) >= ROOM, (text, top, cut)
