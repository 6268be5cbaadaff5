"""Routing free text to a department: keywords, the department model, FAQ neighbours, the fallback —
and the accuracy on the labelled inquiries (tests/data/routing/inquiries.jsonl, docs/BENCHMARKS.md)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_workspace
from bot.routing import keyword_hits, route
from bot.routing.cli import signals
from bot.routing.model import DepartmentModel, training_examples
from bot.settings import BUNDLED_CONFIG

CONFIG = load_workspace(BUNDLED_CONFIG)
LABELLED = Path(__file__).parents[1] / "data" / "routing" / "inquiries.jsonl"


@pytest.fixture(scope="module")
def model() -> DepartmentModel:
    return DepartmentModel.train(training_examples(CONFIG))


@pytest.mark.parametrize(
    ("text", "hits"),
    [
        ("VPNにつながりません", {"it": ["VPN"]}),
        ("I lost my receipts", {"finance": ["receipt"]}),
        ("Our accountant called", {}),  # "account" is a whole word, not a prefix
        ("経費精算の締め日", {"finance": ["経費", "精算", "締め日"]}),
    ],
)
def test_keywords_match_whole_english_words_and_japanese_substrings(text, hits):
    assert keyword_hits(text, CONFIG) == hits


def test_nothing_to_go_on_falls_back_to_general_affairs_with_zero_confidence():
    decision = route("こんにちは", CONFIG)

    assert decision.as_dict() == {"department": "general_affairs", "confidence": 0.0,
                                  "reasons": ["fallback: general_affairs (no keyword or FAQ match)"]}


def test_the_nearest_faq_entries_count():
    decision = route("例の件どうなりました？", CONFIG, neighbours=[("legal", 0.9), ("hr", 0.3)])

    assert decision.department == "legal" and decision.reasons[0] == "faq legal: 0.90"


@pytest.mark.parametrize(
    ("text", "department"),
    [("副業は認められていますか", "hr"), ("覚書を交わす前に見てほしい", "legal"), ("キーボードが反応しません", "it")],
)
def test_the_model_knows_words_no_keyword_list_has(model, text, department):
    assert keyword_hits(text, CONFIG) == {}

    decision = route(text, CONFIG, model=model)

    assert decision.department == department
    assert decision.reasons[0].startswith(f"model {department}")
    assert 0 < decision.confidence <= 1


def test_madoguchi_route_prints_json(capsys):
    assert main(["route", "パスワードを忘れてログインできません", "--json", "--faq", "none"]) == 0

    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"department", "confidence", "reasons"}
    assert result["department"] == "it" and 0 <= result["confidence"] <= 1


def test_the_labelled_set_is_realistic_and_balanced():
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]

    assert len(rows) >= 60
    assert set(Counter(r["department"] for r in rows).values()) == {48}
    assert {r["lang"] for r in rows} == {"ja", "en"}


def test_routing_accuracy_on_the_labelled_inquiries():
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    neighbours, model = signals("default", CONFIG)
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for row in rows:
        total[row["split"]] += 1
        decision = route(row["text"], CONFIG, neighbours(row["text"]), model)
        right[row["split"]] += decision.department == row["department"]

    assert sum(right.values()) / sum(total.values()) >= 0.90
    # holdout3 was written after all tuning and never tuned on: the honest estimate (docs/BENCHMARKS.md).
    assert right["holdout3"] / total["holdout3"] >= 0.90
    assert right["holdout2"] / total["holdout2"] >= 0.85  # tuned on in the second round: a regression guard
