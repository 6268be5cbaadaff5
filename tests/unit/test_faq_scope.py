"""The out-of-scope guard (faq.scope, faq/data/scope.yaml): questions about another company's or a
relative's workplace are never answered directly by the engine."""

from __future__ import annotations

import pytest

from faq.data import default_kb_path, default_other_party, default_synonyms
from faq.engine import FaqEngine
from faq.formats import load_docs
from faq.scope import OtherPartyGuard


@pytest.mark.parametrize("text", [
    "他社って在宅勤務は週何日？", "ﾎｶの会社の住宅手当", "よその会社の経費ルール", "友達の会社の有給",
    "妻の職場の育休", "親の勤め先の福利厚生", "競合の価格表", "What do other companies pay?",
    "Is it like this at ANOTHER COMPANY too?",
])
def test_other_party_questions_are_recognised(text: str) -> None:
    assert default_other_party().mentions_other_party(text)


@pytest.mark.parametrize("text", [
    "有給は何日ありますか", "取引先の会社に契約書を郵送したい", "会社のロゴを使いたい", "前職の源泉徴収票の出し方",
    "anothercompanyx login", "他", "",
])
def test_our_own_questions_are_not(text: str) -> None:
    assert not default_other_party().mentions_other_party(text)


def test_empty_guard_refuses_nothing() -> None:
    assert not OtherPartyGuard().mentions_other_party("他社の有給")


@pytest.fixture(scope="module")
def engine() -> FaqEngine:
    return FaqEngine.build(load_docs(default_kb_path()), synonyms=default_synonyms(), embedder=None)


def test_engine_suggests_instead_of_answering_another_companys_question(engine: FaqEngine) -> None:
    ours = engine.ask("経費精算の締め日はいつ？")
    theirs = engine.ask("他社の経費精算の締め日はいつ？")
    assert ours.tier == "answer" and ours.matches[0].id == "fin-expense-deadline"
    assert theirs.tier == "suggest" and theirs.matches[0].id == "fin-expense-deadline"
    assert not engine.answerable("他社の経費精算の締め日はいつ？") and engine.answerable("経費精算の締め日はいつ？")


def test_guard_off(engine: FaqEngine) -> None:
    off = FaqEngine.build(load_docs(default_kb_path()), synonyms=default_synonyms(), embedder=None,
                          other_party=None)
    assert off.ask("他社の経費精算の締め日はいつ？").tier == "answer"
