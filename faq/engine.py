"""Public API of the FAQ engine: build an index from entries, ask a question, get a tiered answer.

The engine is immutable once built; ``ask`` only reads it, so any number of threads may call it at once.
When the KB changes, build a new engine and swap the reference (an atomic assignment in Python).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from faq.data import default_other_party
from faq.embed import TextEmbedder, default_embedder
from faq.normalize import Normalizer, has_japanese
from faq.ranker import Candidate, EntryTexts, Ranker, Weights, WeightSet, WordStore
from faq.scope import OtherPartyGuard
from faq.tokenize import WordTokenizer
from faq.wordvec import WordVectors, default_word_vectors

Tier = Literal["answer", "suggest", "none"]


@dataclass(frozen=True)
class FaqDoc:
    id: str
    question: str
    answer: str = ""
    variants: tuple[str, ...] = ()
    department: str | None = None
    keywords: tuple[str, ...] = ()
    question_en: str | None = None
    answer_en: str | None = None
    variants_en: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    id: str
    question: str
    score: float
    matched_phrase: str
    department: str | None


@dataclass(frozen=True)
class Answer:
    tier: Tier
    matches: list[Match]
    elapsed_ms: float


@dataclass(frozen=True)
class Thresholds:
    """Confidence cut-offs on the fused score (0..1).

    ``answer``: the top match is shown as the answer.  ``suggest``: the top matches are offered as
    もしかして buttons.  Below ``suggest``: no answer (the user is offered to ask a person).
    ``margin``: the answer tier also needs the top match ahead of the second by this much, otherwise two
    near-equal entries are suggested instead of guessing.  Defaults come from fits on the shared
    benchmarks' fitting halves (docs/FAQ_ENGINE.md); ``faq.eval`` fits them per KB.
    """

    # Fits on the benchmark halves gave answer 0.37-0.70, suggest 0.15-0.25, margin 0.06; the defaults sit
    # in that range, on the cautious side for answers (a wrong answer costs more than a suggestion).
    answer: float = 0.55
    suggest: float = 0.22
    margin: float = 0.05
    # Queries with kana or kanji use their own cut-offs (scores of the two weight sets differ); None: the
    # same as Latin-script queries.
    japanese: Thresholds | None = None

    def for_text(self, text: str) -> Thresholds:
        return self.japanese if self.japanese is not None and has_japanese(text) else self

    def tier(self, scores: Sequence[float]) -> Tier:
        if not scores:
            return "none"
        top = scores[0]
        second = scores[1] if len(scores) > 1 else 0.0
        if top >= self.answer and top - second >= self.margin:
            return "answer"
        if top >= self.suggest:
            return "suggest"
        return "none"


# The engine's default: Latin-script queries as before; Japanese ones (issue 13) fitted on the fitting
# half of the product's own madoguchi-ja set (default KB, default synonyms, chiVe word vectors on;
# faq.eval.fit_thresholds: most in-scope answers at ≤ 5 % out-of-scope answered and ≥ 90 % right):
# answer 0.49 / suggest 0.32 / margin 0 (fitted 0.4901 / 0.3227 / 0, third pass, after the set's fitting
# half got 60 out-of-scope lines with near-misses such as 私用のスマホを機種変更… at 0.488; with 25 lines and
# none of them near, the fit had been 0.35 / 0.28 / 0.06).  LocalgovFAQ's own fit differs
# (answer 0.43, margin 0.2: long citizen queries against one-question entries); faq.eval fits per KB.
DEFAULT_THRESHOLDS = Thresholds(answer=0.55, suggest=0.22, margin=0.05,
                                japanese=Thresholds(answer=0.49, suggest=0.32, margin=0.0))


def _entry_texts(doc: FaqDoc) -> EntryTexts:
    phrases: list[tuple[str, str]] = [("question", doc.question)]
    seen = {doc.question}

    def add(kind: str, text: str | None) -> None:
        if text and text not in seen:
            seen.add(text)
            phrases.append((kind, text))

    for v in doc.variants:
        add("variant", v)
    add("question_en", doc.question_en)
    for v in doc.variants_en:
        add("variant_en", v)
    for kw in doc.keywords:
        add("keyword", kw)
    answer = "\n".join(a for a in (doc.answer, doc.answer_en) if a)
    return EntryTexts(phrases, answer)


def embedded_texts(docs: Iterable[FaqDoc]) -> list[str]:
    """The texts the ranker embeds: each distinct non-empty phrasing without kana or kanji (the sentence
    model is English-only).  The bot stores their vectors when entries are written."""
    texts = dict.fromkeys(text for d in docs for _, text in _entry_texts(d).phrases)
    return [t for t in texts if t and not has_japanese(t)]


_SHARED_TOKENIZER = WordTokenizer()


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """A build allocates millions of short-lived lists and tuples, none in reference cycles; the cyclic
    collector would walk them over and over (~0.4-0.5 s of a 10,000-entry build).  Reference counting
    still frees everything.  Re-enabled only if it was on, so an overlapping build cannot leave it off."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True)
class FaqEngine:
    docs: tuple[FaqDoc, ...]
    ranker: Ranker
    thresholds: Thresholds = DEFAULT_THRESHOLDS
    build_s: float = 0.0
    # Questions about another company's or person's workplace are never answered directly (faq.scope).
    other_party: OtherPartyGuard | None = None

    @classmethod
    def build(
        cls,
        docs: Iterable[FaqDoc],
        *,
        synonyms: Mapping[str, Sequence[str]] | None = None,
        thresholds: Thresholds | None = None,
        weights: Weights | WeightSet | None = None,
        embedder: TextEmbedder | Literal["default"] | None = "default",
        word_store: WordStore | None = None,
        word_vectors: WordVectors | Literal["default"] | None = "default",
        other_party: OtherPartyGuard | Literal["default"] | None = "default",
    ) -> FaqEngine:
        """``embedder``: sentence vectors for the English phrasings ("default": the packaged model with no
        store, vectors kept in the process; None: lexical signals only).  ``word_store``: stored Sudachi
        analyses, so a cold build does not re-analyse texts analysed before (the bot's database).
        ``other_party``: the out-of-scope guard ("default": faq/data/scope.yaml; None: off)."""
        t0 = time.perf_counter()
        docs_t = tuple(docs)
        # The Sudachi dictionary is shared by every engine in the process: loading it costs ~50 ms and
        # memory, and rebuilding the engine on each KB change must stay cheap.
        with _cyclic_gc_paused():
            if embedder == "default":
                embedder = default_embedder()
            if word_vectors == "default":
                word_vectors = default_word_vectors()
            ranker = Ranker([_entry_texts(d) for d in docs_t], Normalizer(synonyms), _SHARED_TOKENIZER, weights,
                            embedder, word_store, word_vectors)
        if other_party == "default":
            other_party = default_other_party()
        return cls(docs_t, ranker, thresholds or DEFAULT_THRESHOLDS, time.perf_counter() - t0, other_party)

    def answerable(self, text: str) -> bool:
        """False when the question may not get a direct answer whatever its score (faq.scope)."""
        return self.other_party is None or not self.other_party.mentions_other_party(text)

    def candidates(self, text: str, k: int = 3) -> list[Candidate]:
        """Raw ranked candidates with their per-signal scores (for evaluation and debugging)."""
        return self.ranker.rank(text, k)

    def ask(self, text: str, k: int = 3) -> Answer:
        t0 = time.perf_counter()
        cands = self.ranker.rank(text, max(k, 2))
        tier = self.thresholds.for_text(text).tier([c.score for c in cands])
        if tier == "answer" and not self.answerable(text):
            tier = "suggest"
        matches = [
            Match(
                id=self.docs[c.doc].id,
                question=self.docs[c.doc].question,
                score=round(c.score, 4),
                matched_phrase=c.phrase.text,
                department=self.docs[c.doc].department,
            )
            for c in cands[:k]
        ]
        # Matches are returned even for "none": routing uses the departments of the nearest entries.
        return Answer(tier, matches, (time.perf_counter() - t0) * 1000.0)
