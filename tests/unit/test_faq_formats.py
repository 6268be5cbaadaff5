from pathlib import Path

import pytest

from faq.data import default_kb_path, default_synonyms
from faq.engine import FaqDoc
from faq.formats import FormatError, dump_docs, load_docs, load_queries

DOCS = [
    FaqDoc(id="a", question="名刺を発注したい", answer="フォームから, 申請", variants=("名刺の作り方", "名刺 追加"),
           department="general_affairs", keywords=("名刺",), question_en="Order business cards",
           answer_en="Use the form.", variants_en=("new business cards",), tags=("総務",)),
    FaqDoc(id="b", question="VPNに接続できない", answer="再起動してください。\n改行あり"),
]


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".csv", ".jsonl"])
def test_round_trip(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"kb{suffix}"
    dump_docs(DOCS, path)
    assert load_docs(path) == DOCS


def test_shared_jsonl_format_and_queries(tmp_path: Path) -> None:
    faq = tmp_path / "faq.jsonl"
    faq.write_text('{"id": "1", "question": "Q?", "answer": "A", "variants": ["Q1", "Q2"]}\n', encoding="utf-8")
    assert load_docs(faq) == [FaqDoc(id="1", question="Q?", answer="A", variants=("Q1", "Q2"))]
    q = tmp_path / "queries.jsonl"
    q.write_text('{"query": "x", "gold_id": "1", "gold_ids": ["1", "2"]}\n{"query": "y", "gold_id": null}\n'
                 '{"query": "z", "gold_id": "3"}\n', encoding="utf-8")
    queries = load_queries(q)
    assert [x.gold_ids for x in queries] == [("1", "2"), (), ("3",)]
    assert [x.in_scope for x in queries] == [True, False, True]


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(FormatError):
        load_docs(tmp_path / "kb.txt")
    bad = tmp_path / "kb.yaml"
    bad.write_text("entries:\n  - id: x\n", encoding="utf-8")
    with pytest.raises(FormatError, match="question"):
        load_docs(bad)


def test_default_kb_is_complete() -> None:
    docs = load_docs(default_kb_path())
    assert len(docs) >= 60
    assert {d.department for d in docs} == {"finance", "hr", "general_affairs", "legal", "it"}
    assert len({d.id for d in docs}) == len(docs)
    # Issue 13: each entry also carries the everyday ways employees ask (colloquial, other words), up to 10.
    assert all(2 <= len(d.variants) <= 10 and d.answer for d in docs)
    assert "有休" in default_synonyms()["有給"]
