"""A small department model: multinomial Naive Bayes over content words (Sudachi for Japanese,
stemmed English), trained on text the product already has — the departments' duties (duties.yaml),
their routing keywords, the request catalog and the FAQ knowledge base with its department labels.

Why Naive Bayes over words: it learns from a few hundred short texts, trains in well under a second,
needs nothing beyond the FAQ's tokenizer, and on the labelled inquiries it beat character n-grams
(see docs/BENCHMARKS.md). It grows with the KB: every FAQ entry captured from a resolved ticket
teaches routing a little more."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.config import WorkspaceConfig

DUTIES = Path(__file__).with_name("duties.yaml")
ALPHA = 0.5  # Laplace smoothing, chosen on the dev half


@cache
def _tokenizer() -> Any:
    from faq.tokenize import WordTokenizer  # Sudachi loads on first Japanese text

    return WordTokenizer()


def words(text: str) -> list[str]:
    return _tokenizer().words(text)


@dataclass(frozen=True)
class DepartmentModel:
    log_prob: dict[str, dict[str, float]]
    unseen: dict[str, float]
    vocabulary: frozenset[str]

    @classmethod
    def train(cls, examples: Iterable[tuple[str, str]], alpha: float = ALPHA) -> DepartmentModel:
        # Many Services share one config and KB (tests, replicas in one process): train each corpus once.
        return _train(tuple(examples), alpha)

    @classmethod
    def _fit(cls, examples: tuple[tuple[str, str], ...], alpha: float) -> DepartmentModel:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for department, text in examples:
            counts[department].update(words(text))
        vocabulary = frozenset(w for c in counts.values() for w in c)
        size = max(1, len(vocabulary))
        log_prob, unseen = {}, {}
        for department, c in counts.items():
            total = sum(c.values()) + alpha * size
            log_prob[department] = {w: math.log((n + alpha) / total) for w, n in c.items()}
            unseen[department] = math.log(alpha / total)
        return cls(log_prob, unseen, vocabulary)

    def posterior(self, text: str) -> tuple[dict[str, float], list[str]]:
        """P(department | text) from the known words, and those words; ({}, []) when none is known."""
        known = [w for w in words(text) if w in self.vocabulary]
        if not known:
            return {}, []
        logs = {d: sum(table.get(w, self.unseen[d]) for w in known) for d, table in self.log_prob.items()}
        # Per-word average: a long text must not turn a slight lean into certainty.
        top = max(logs.values())
        odds = {d: math.exp((v - top) / len(known)) for d, v in logs.items()}
        total = sum(odds.values())
        return {d: v / total for d, v in odds.items()}, known


@lru_cache(maxsize=8)
def _train(examples: tuple[tuple[str, str], ...], alpha: float) -> DepartmentModel:
    return DepartmentModel._fit(examples, alpha)


def training_examples(config: WorkspaceConfig, faq_docs: Iterable[Any] = ()) -> Iterator[tuple[str, str]]:
    known = {d.key for d in config.departments}
    duties = yaml.safe_load(DUTIES.read_text(encoding="utf-8")) or {}
    for department, by_locale in duties.items():
        if department in known:
            for texts in by_locale.values():
                for text in texts:
                    yield department, text
    for department in config.departments:
        yield department.key, " ".join(department.keywords.all())
        for name in (department.name.ja, department.name.en):
            if name:
                yield department.key, name
    for rt in config.request_types:
        if rt.routed:
            continue
        yield from _catalog_texts(rt)
    for doc in faq_docs:
        if getattr(doc, "department", None) in known:
            parts = [doc.question, *doc.variants, doc.question_en, *doc.variants_en, doc.answer, doc.answer_en,
                     " ".join(doc.keywords)]
            for text in parts:
                if text:
                    yield doc.department, text


def _catalog_texts(rt: Any) -> Iterator[tuple[str, str]]:
    texts = [rt.name.ja, rt.name.en]
    if rt.description:
        texts += [rt.description.ja, rt.description.en]
    by = rt.department_by
    for f in rt.fields:
        texts += [f.label.ja, f.label.en]
        for option in f.options:
            department = by.values.get(option.value, rt.department) if by and by.field == f.key else rt.department
            for label in (option.label.ja, option.label.en):
                if label:
                    yield department, label
    for text in texts:
        if text:
            yield rt.department, text
