import threading
from pathlib import Path

import pytest

from faq.engine import FaqDoc, FaqEngine, Thresholds
from faq.formats import load_docs

KB = Path(__file__).resolve().parent.parent / "data" / "faq" / "small_kb.yaml"


@pytest.fixture(scope="module")
def engine() -> FaqEngine:
    return FaqEngine.build(load_docs(KB), synonyms={"有給": ["有休", "年休"], "パソコン": ["pc"]},
                           # Japanese scores have a floor from the word vectors (今日の天気 → t-paid-leave 0.16)
                           thresholds=Thresholds(answer=0.6, suggest=0.15,
                                                 japanese=Thresholds(answer=0.6, suggest=0.25)))


@pytest.mark.parametrize(
    ("query", "expected_id"),
    [
        ("パスワードを忘れてしまいました", "t-password"),  # exact question
        ("名刺の作り方", "t-business-card"),  # a variant
        ("パスワドを忘れた", "t-password"),  # typo
        ("vpnにつながらない", "t-vpn"),  # mixed script, case
        ("経費の締め日を教えてください", "t-expense-deadline"),  # polite phrasing
        ("年休の残りは？", "t-paid-leave"),  # synonym
        ("I forgot my password", "t-password"),  # English version
        ("NDAのテンプレート", "t-nda"),
    ],
)
def test_ranking_top1(engine: FaqEngine, query: str, expected_id: str) -> None:
    answer = engine.ask(query)
    assert answer.matches[0].id == expected_id
    assert answer.tier in ("answer", "suggest")


def test_exact_question_is_answered_and_explained(engine: FaqEngine) -> None:
    answer = engine.ask("名刺を発注したい")
    assert answer.tier == "answer"
    top = answer.matches[0]
    assert top.matched_phrase == "名刺を発注したい"
    assert top.department == "general_affairs"
    assert answer.elapsed_ms >= 0


def test_variant_is_reported_as_matched_phrase(engine: FaqEngine) -> None:
    assert engine.ask("在宅勤務でVPNがつながらない").matches[0].matched_phrase == "在宅勤務でVPNがつながらない"


@pytest.mark.parametrize("query", ["今日の天気はどうですか", "what is the capital of France", "", "？？"])
def test_out_of_scope_gets_none(engine: FaqEngine, query: str) -> None:
    assert engine.ask(query).tier == "none"


@pytest.mark.parametrize(
    ("scores", "tier"),
    [([0.9, 0.2], "answer"), ([0.61, 0.6], "suggest"), ([0.5, 0.1], "suggest"), ([0.2], "none"), ([], "none")],
)
def test_tiers(scores: list[float], tier: str) -> None:
    assert Thresholds(answer=0.6, suggest=0.3, margin=0.05).tier(scores) == tier


def test_empty_kb_answers_none() -> None:
    assert FaqEngine.build([]).ask("パスワード").tier == "none"


def test_concurrent_readers(engine: FaqEngine) -> None:
    results: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(20):
            top = engine.ask("パスワードをリセットしたい").matches[0].id
            with lock:
                results.append(top)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["t-password"] * 80


def test_k_limits_matches() -> None:
    docs = [FaqDoc(id=f"d{i}", question=f"会議室{i}の予約") for i in range(5)]
    assert len(FaqEngine.build(docs).ask("会議室の予約", k=2).matches) == 2
