"""Score fusion: word BM25, character n-gram TF-IDF, readings, word vectors and sentence embeddings.

Signals, each in [0, ~1] and computed for every entry from posting lists (or vectors):

* ``phrase_words``: BM25 coverage of the query's content words by the best single phrasing (question,
  a variant or a keyword) — precise when one phrasing says the same thing.
* ``entry_words``: BM25 coverage by all phrasings of the entry pooled — several partial variants add up.
* ``phrase_chars``: char n-gram cosine with the best phrasing — typos, inflections, mixed script,
  words the tokenizer splits differently.
* ``answer_words``: BM25 coverage by the beginning of the answer, weighted low — the answer often names
  the thing the asker calls it by, but it also mentions many other topics.
* ``phrase_readings``: hiragana reading n-grams (kana input meets kanji), ``phrase_wvec`` / ``answer_wvec``:
  chiVe word vectors (Japanese), ``phrase_embed`` / ``entry_embed``: sentence embeddings (English).

Their weighted sum, per query script, is the score.  rapidfuzz works before the ranking, on query words
the KB does not have (faq.readings); the former token_set re-rank of the top 20 was removed in issue 13
(it lost at every weight, docs/FAQ_ENGINE.md).  Weights were chosen on the fitting halves of the shared
benchmarks (docs/FAQ_ENGINE.md).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Protocol

import numpy as np
from scipy import sparse

from faq.embed import TextEmbedder, text_key
from faq.index import (
    PostingIndex,
    bm25_coverage,
    build_bm25,
    build_tfidf,
    encode_terms,
    tfidf_cosine,
    tfidf_cosine_keys,
)
from faq.normalize import Normalizer, has_japanese
from faq.readings import ReadingLexicon
from faq.tokenize import (
    KANA_WRITTEN,
    WordTokenizer,
    char_ngram_ids,
    char_ngram_matrix,
    english_all_words,
    split_reading,
)
from faq.wordvec import WordVectors

# Readings are compared as hiragana 2-3 grams (single kana say little): segmentation-free, so ケイヒセイサン
# (one unknown word) meets 経費 + 精算.
READING_NGRAMS = (2, 3)

SIGNALS = ("phrase_words", "entry_words", "phrase_chars", "entry_chars", "phrase_bigrams", "answer_words",
           "entry_all_bigrams", "phrase_embed", "entry_embed", "phrase_readings", "phrase_wvec", "answer_wvec")

# Word analysis results survive engine rebuilds: when an admin edits one entry, the new engine re-analyses
# only the changed texts (Sudachi costs ~4 µs per character, most of a cold 10,000-entry build).
# Keyed by normalised text; bounded so a long-running process cannot grow without limit.
_WORDS_CACHE: dict[tuple[int, str], list[str]] = {}
_WORDS_CACHE_MAX = 300_000


class WordStore(Protocol):
    """Persistent word analyses of normalised Japanese texts, keyed by (``WordTokenizer.analyser``,
    sha256 of the text): a cold build then skips Sudachi for every text analysed before.  The bot keeps
    them in the database (bot/faqdesk/vectors.DbWordStore)."""

    def load(self, analyser: str, keys: Sequence[str]) -> dict[str, list[str]]: ...

    def save(self, analyser: str, words: Mapping[str, list[str]]) -> None: ...


def _preload_words(tokenizer: WordTokenizer, store: WordStore, texts: Sequence[str]) -> list[str]:
    """Fill the process cache from the store for the Japanese texts it lacks; returns the texts the store
    did not have either (to analyse, then save)."""
    todo = [t for t in dict.fromkeys(texts) if t and (id(tokenizer), t) not in _WORDS_CACHE and has_japanese(t)]
    if not todo:
        return []
    keys = {text_key(t): t for t in todo}
    found = store.load(tokenizer.analyser, list(keys))
    if len(_WORDS_CACHE) + len(found) >= _WORDS_CACHE_MAX:
        _WORDS_CACHE.clear()
    for key, words in found.items():
        _WORDS_CACHE[(id(tokenizer), keys[key])] = words
    return [t for key, t in keys.items() if key not in found]


def _cached_words(tokenizer: WordTokenizer, text: str) -> list[str]:
    key = (id(tokenizer), text)
    hit = _WORDS_CACHE.get(key)
    if hit is None:
        hit = tokenizer.analyse(text)
        if len(_WORDS_CACHE) >= _WORDS_CACHE_MAX:
            _WORDS_CACHE.clear()
        _WORDS_CACHE[key] = hit
    return hit


@dataclass(frozen=True)
class Weights:
    """Weights of the signals for one query script.  The defaults are the Latin-script (English) set;
    ``JAPANESE`` below is the set for queries containing kana or kanji (see ``WeightSet``).

    Coordinate ascent on the *fitting* halves only (mean top-1 of StackFAQ, CLINC150 and BANKING77 for
    this set; LocalgovFAQ for the Japanese one); docs/FAQ_ENGINE.md has the numbers."""

    phrase_words: float = 0.8
    entry_words: float = 0.6
    phrase_chars: float = 0.0
    entry_chars: float = 1.0
    phrase_bigrams: float = 0.1
    answer_words: float = 0.3
    entry_all_bigrams: float = 0.8
    phrase_embed: float = 0.0
    entry_embed: float = 0.0
    phrase_readings: float = 0.0
    phrase_wvec: float = 0.0
    answer_wvec: float = 0.0
    # Query words the KB lacks re-expressed in KB words by reading / nearest spelling (faq.readings).
    rewrite_unknown: bool = False
    candidates: int = 20  # how many top entries get their matched phrasing explained
    answer_chars_indexed: int = 600  # the head of the answer carries its topic; the rest is procedure

    @property
    def total(self) -> float:
        return (self.phrase_words + self.entry_words + self.phrase_chars + self.entry_chars
                + self.phrase_bigrams + self.answer_words + self.entry_all_bigrams + self.phrase_embed
                + self.entry_embed + self.phrase_readings + self.phrase_wvec + self.answer_wvec)

    @property
    def uses_embeddings(self) -> bool:
        return bool(self.phrase_embed or self.entry_embed)

    @property
    def uses_word_vectors(self) -> bool:
        return bool(self.phrase_wvec or self.answer_wvec)


# Japanese queries: content-word unigrams + bigrams (compounds split by mode A are re-joined as pairs)
# carry the topic; the answer text matters much more than for the English sets.
# phrase_chars was fitted at 0.05; 0.2 keeps short queries with a typo (パスワドを忘れた) matching, for
# 0.004 of LocalgovFAQ fitting-half top-1.
# phrase_readings (issue 13): fitted at 0.1 on LocalgovFAQ's fitting half, top-1 0.5126 → 0.5210 (0.3:
# 0.5000, 0.5: 0.4916; the citizens there type kanji, the gain is in kana input).
# phrase_wvec / answer_wvec (chiVe word vectors, faq.wordvec; texts and queries as idf-weighted means of
# word vectors): coordinate ascent over every Japanese signal on the fitting halves of LocalgovFAQ and the
# product's madoguchi-ja set (Japanese queries), from JAPANESE_LEXICAL, LocalgovFAQ kept ≥ 0.53 on the way
# (``python -m faq.tune DATASETS --japanese --sets localgovfaq-ja madoguchi-ja --floor localgovfaq-ja=0.53``
# with the lexical start values): top-1 0.5210 / 0.7254 → 0.5546 / 0.7958.  Plain (unweighted) means gave
# 0.5588 / 0.7887 but scored unrelated texts high (社内の卓球大会 0.33 on the default KB: a suggestion);
# lower floors trade LocalgovFAQ for madoguchi-ja (0.5168 / 0.8521 with readings at 1.9), not kept.
# Without the vectors (package missing) JAPANESE_LEXICAL.
# SIF (issue 13, second pass): with the table's two common directions projected out of the word vectors
# (faq.wordvec.COMMON_DIRECTIONS) and the weights refitted the same way on the same halves (LocalgovFAQ kept
# ≥ 0.5546): 0.5546 / 0.9085 → 0.5714 / 0.9085 (LocalgovFAQ R@3 0.706 → 0.727).  phrase_chars and
# phrase_words went to 0 in that fit; short typo queries still match through readings and word pairs
# (パスワドを忘れた 0.80 on the default KB, an answer).
JAPANESE = Weights(phrase_words=0.0, entry_words=0.0, phrase_chars=0.0, entry_chars=0.0,
                   phrase_bigrams=0.7, answer_words=0.8, entry_all_bigrams=0.0, phrase_readings=0.7,
                   phrase_wvec=1.1, answer_wvec=0.3, rewrite_unknown=True)
# JAPANESE_LEXICAL refitted on both fitting halves (issue 13, second pass; it was LocalgovFAQ's fit alone):
# phrase_bigrams 1.0 → 0.9, LocalgovFAQ / madoguchi-ja 0.5210 / 0.7887 → 0.5210 / 0.7958 (lower LocalgovFAQ
# floors trade it away: 0.5126 / 0.8239, 0.5042 / 0.8380; not kept).
JAPANESE_LEXICAL = Weights(phrase_words=0.05, entry_words=0.0, phrase_chars=0.2, entry_chars=0.0,
                           phrase_bigrams=0.9, answer_words=0.6, entry_all_bigrams=0.0, phrase_readings=0.1,
                           rewrite_unknown=True)


# Latin-script queries when the KB's English phrasings have sentence embeddings (faq.embed): coordinate
# ascent (faq.tune) on the fitting halves of StackFAQ, CLINC150 and BANKING77, for the int8 onnxruntime
# encoder (the process default), grid 0-2 step 0.1. Mean top-1: every signal free 0.8502; phrase words +
# embeddings (this set, searched with --signals phrase_words phrase_embed entry_embed) 0.8478; the
# float32-fitted 0.1 / 0.3 / 1.0 on int8 vectors 0.8471. Restricting to these signals skips the char
# n-gram and answer scoring, ~4 ms of an English query at 10,000 entries.
LATIN_EMBED = Weights(phrase_words=0.1, entry_words=0.0, phrase_chars=0.0, entry_chars=0.0, phrase_bigrams=0.0,
                      answer_words=0.0, entry_all_bigrams=0.0, phrase_embed=0.4, entry_embed=1.1)


@dataclass(frozen=True)
class WeightSet:
    """One weight set per query script: ``japanese`` when the query has kana or kanji, else ``latin``;
    ``latin_embed`` replaces ``latin`` when the ranker has sentence embeddings (the model is English-only,
    and without it the lexical set is used unchanged); ``japanese_lexical`` replaces ``japanese`` when
    the ranker has no Japanese word vectors (faq.wordvec)."""

    latin: Weights = field(default_factory=Weights)
    japanese: Weights = JAPANESE
    latin_embed: Weights = LATIN_EMBED
    japanese_lexical: Weights = JAPANESE_LEXICAL

    def for_query(self, text: str, embeddings: bool = False, word_vectors: bool = True) -> Weights:
        if has_japanese(text):
            return self.japanese if word_vectors else self.japanese_lexical
        return self.latin_embed if embeddings else self.latin


@dataclass(frozen=True)
class Phrase:
    """One indexed phrasing of an entry (question, variant, English question, keyword...)."""

    doc: int
    kind: str
    text: str  # as written, shown to the user as "matched phrase"


@dataclass(frozen=True)
class Candidate:
    doc: int
    score: float
    phrase: Phrase
    signals: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class EntryTexts:
    """What the ranker needs of one KB entry (the engine maps FaqDoc onto this)."""

    phrases: Sequence[tuple[str, str]]  # (kind, text), the question first
    answer: str = ""


def _joined(readings: Sequence[str]) -> str:
    return "".join(readings).replace(KANA_WRITTEN, "")


def word_bigrams(words: Sequence[str]) -> list[str]:
    """Content words plus adjacent pairs: Sudachi mode A splits 国民健康保険料 into parts, the pairs put
    the compound back together (and "reset password" outranks a text that has both words apart)."""
    return [*words, *(f"{a}_{b}" for a, b in pairwise(words))]


class Ranker:
    def __init__(
        self,
        entries: Sequence[EntryTexts],
        normalizer: Normalizer,
        tokenizer: WordTokenizer,
        weights: Weights | WeightSet | None = None,
        embedder: TextEmbedder | None = None,
        word_store: WordStore | None = None,
        word_vectors: WordVectors | None = None,
    ) -> None:
        if weights is None:
            weights = WeightSet()
        elif isinstance(weights, Weights):
            weights = WeightSet(weights, weights, weights, weights)
        self.weights: WeightSet = weights
        w = weights.latin
        self.normalizer = normalizer
        self.tokenizer = tokenizer
        self.n_docs = len(entries)
        # Each distinct phrasing is analysed once: words via the tokenizer (cached across rebuilds), char
        # n-grams for all phrasings in one vectorised pass.  Every index is then built from sparse count
        # matrices (texts × terms) with row gathers and sums in scipy, no per-row Python: the
        # 10,000-entry build budget is 5 s.
        entries = [e if e.phrases else EntryTexts([("question", "")], e.answer) for e in entries]
        texts = list(dict.fromkeys(text for e in entries for _, text in e.phrases))
        text_index = {t: i for i, t in enumerate(texts)}
        forms = [normalizer.both(t) for t in texts]
        heads = [e.answer[: w.answer_chars_indexed] for e in entries]
        head_texts = [normalizer.for_words(h) if h else "" for h in heads]
        unstored = (_preload_words(tokenizer, word_store, [*(wt for wt, _ in forms), *head_texts])
                    if word_store is not None else [])
        analysed = [split_reading(_cached_words(tokenizer, wtext)) for wtext, _ in forms]
        text_words = [ws for ws, _ in analysed]
        head_analysed = [split_reading(_cached_words(tokenizer, h)) if h else ([], []) for h in head_texts]
        head_words = [ws for ws, _ in head_analysed]
        if word_store is not None and unstored:
            word_store.save(tokenizer.analyser,
                            {text_key(t): _cached_words(tokenizer, t) for t in unstored})
        # Phrasings and answers share one word vocabulary (a term absent from a collection scores as unknown).
        word_vocab, word_counts = encode_terms([*text_words, *head_words])
        bigram_vocab, bigram_counts = encode_terms([word_bigrams(ws) for ws in text_words])
        char_keys, char_counts = char_ngram_matrix([c for _, c in forms])
        self.phrases = phrases = [Phrase(i, kind, text) for i, e in enumerate(entries) for kind, text in e.phrases]
        n_rows = len(phrases)
        self.row_text = row_text = np.fromiter((text_index[p.text] for p in phrases), dtype=np.int64, count=n_rows)
        self.text_words = text_words
        self.row_doc = np.fromiter((p.doc for p in phrases), dtype=np.int32, count=n_rows)
        self.starts = np.searchsorted(self.row_doc, np.arange(self.n_docs)).astype(np.int64)
        # Phrasings are pooled per entry and script: an English query must not be diluted by the n-grams
        # of the entry's Japanese phrasings (and vice versa).  Group g sums its phrasings' counts.
        text_ja = np.fromiter(map(has_japanese, texts), dtype=bool, count=len(texts))
        # Sentence embeddings of the Latin-script phrasings (the model is English-only): per distinct text,
        # and per entry as the normalised mean of its phrasings' vectors (a centroid, like entry_chars).
        self.embedder: TextEmbedder | None = None
        if embedder is not None and weights.latin_embed.uses_embeddings:
            latin = np.flatnonzero(~text_ja & np.fromiter(map(bool, texts), dtype=bool, count=len(texts)))
            if len(latin):
                self.embedder = embedder
                vecs = embedder.vectors([texts[i] for i in latin.tolist()])
                slot = np.full(len(texts), -1, dtype=np.int64)
                slot[latin] = np.arange(len(latin))
                self.text_vectors = vecs
                row_slot = slot[row_text]
                self.embed_rows = np.flatnonzero(row_slot >= 0)  # phrase rows that have a vector
                self.embed_row_slot = row_slot[self.embed_rows]
                # centroid · q = Σ (v_i · q) / ‖Σ v_i‖: one mat-vec over the texts serves both signals.
                per_entry = sparse.csr_matrix(
                    (np.ones(len(self.embed_rows), dtype=np.float32), (self.row_doc[self.embed_rows],
                                                                       self.embed_row_slot)),
                    shape=(self.n_docs, len(latin)))
                norms = np.linalg.norm(np.asarray(per_entry @ vecs), axis=1)
                self.entry_sum = sparse.diags((1.0 / np.where(norms > 0, norms, 1.0)).astype(np.float32)) @ per_entry
                self.entry_sum = self.entry_sum.tocsr()
        # The weight sets this ranker can use; a pooled index no set uses is not built.
        active = (weights.japanese, weights.japanese_lexical,
                  weights.latin_embed if self.embedder is not None else weights.latin)

        def used(signal: str) -> bool:
            return any(getattr(ws, signal) for ws in active)

        group_keys, row_group = np.unique(self.row_doc.astype(np.int64) * 2 + text_ja[row_text],
                                          return_inverse=True)
        self.group_starts = np.searchsorted(group_keys // 2, np.arange(self.n_docs)).astype(np.int64)
        pool = sparse.csr_matrix((np.ones(n_rows), (row_group.ravel(), np.arange(n_rows))),
                                 shape=(len(group_keys), n_rows))
        row_words = word_counts[row_text]
        row_chars = char_counts[row_text]
        self.phrase_words: PostingIndex = build_bm25(row_words, word_vocab)
        self.phrase_chars: PostingIndex = build_tfidf(row_chars, {}, char_keys)
        # Entry-level pooling: b=0.3 because an entry with many variants is not "less about" its topic.
        self.entry_words: PostingIndex | None = (build_bm25(pool @ row_words, word_vocab, b=0.3)
                                                 if used("entry_words") else None)
        # All phrasings of an entry (of one script) as one char n-gram document, a centroid: a query that
        # shares a word with one variant and another word with a second variant still scores as a whole.
        self.entry_chars: PostingIndex | None = (build_tfidf(pool @ row_chars, {}, char_keys)
                                                 if used("entry_chars") else None)
        # Word unigrams + bigrams per phrasing (TF-IDF cosine, best phrasing): the main Japanese signal.
        # Not pooled: a pooled cosine is diluted by an entry's other variants (short queries fell below
        # the answer threshold on the default KB).
        self.phrase_bigrams: PostingIndex | None = (build_tfidf(bigram_counts[row_text], bigram_vocab)
                                                    if used("phrase_bigrams") else None)
        self.answer_words: PostingIndex = build_bm25(word_counts[len(texts):], word_vocab)
        # chiVe word vectors (faq.wordvec): each Japanese phrasing and answer head as the idf-weighted mean of
        # its words' vectors, kept as sparse texts × table-row weights.
        # Query words the KB lacks are re-read as KB words (faq.readings) from the KB's (word, reading) pairs.
        self.word_vectors: WordVectors | None = None
        if word_vectors is not None and (used("phrase_wvec") or used("answer_wvec")):
            self.word_vectors = word_vectors
            # Texts × vocabulary counts (Japanese texts only) times vocabulary × table rows (idf-weighted):
            # each vocabulary word is looked up once, not once per occurrence.
            vocab_words = sorted(word_vocab, key=word_vocab.__getitem__)
            head_ja = np.fromiter((has_japanese(h) for h in heads), dtype=bool, count=len(heads))
            ja_rows = sparse.diags(np.concatenate([text_ja, head_ja]).astype(np.float32))
            weighted = word_vectors.vocab_projection(vocab_words, self._wvec_weight)
            raw = (ja_rows @ word_counts[:, : len(vocab_words)] @ weighted).tocsr()
            self.text_wv = word_vectors.normalised(raw[: len(texts)])
            self.head_wv = word_vectors.normalised(raw[len(texts):])
        self.lexicon: ReadingLexicon | None = None
        if any(ws.rewrite_unknown for ws in active):
            self.lexicon = ReadingLexicon(itertools.chain.from_iterable(
                zip(ws, rs, strict=True) for ws, rs in (*analysed, *head_analysed)))
        # Readings of each Japanese phrasing's content words (hiragana 2-3 grams, TF-IDF cosine, best
        # phrasing): kana or half-width input meets kanji phrasings and the reverse.
        self.phrase_readings: PostingIndex | None = None
        if used("phrase_readings"):
            r_keys, r_counts = char_ngram_matrix([_joined(r) for _, r in analysed], ja_range=READING_NGRAMS)
            self.phrase_readings = build_tfidf(r_counts[row_text], {}, r_keys)
        # Latin phrasings pooled per entry as every word (function words kept) + adjacent pairs, TF-IDF
        # cosine: intents phrased with common words ("what time is it", "how old are you") keep their
        # shape.  Only built when a weight set uses it.
        self.entry_all_bigrams: PostingIndex | None = None
        if used("entry_all_bigrams"):
            all_vocab, all_counts = encode_terms(
                [[] if ja else word_bigrams(english_all_words(wtext))
                 for ja, (wtext, _) in zip(text_ja.tolist(), forms, strict=True)])
            per_entry = sparse.csr_matrix((np.ones(n_rows), (self.row_doc, np.arange(n_rows))),
                                          shape=(self.n_docs, n_rows))
            self.entry_all_bigrams = build_tfidf(per_entry @ all_counts[row_text], all_vocab)
    def _analyse(self, text: str, rewrite: bool = False) -> tuple[list[str], np.ndarray, str, str]:
        wtext, ctext = self.normalizer.both(text)
        # Hiragana terms (おういん申請) are re-spelt before Sudachi cuts them into other words (faq.readings).
        rtext = self.lexicon.rewrite_hiragana(wtext) if rewrite and self.lexicon is not None else wtext
        words, readings = split_reading(_cached_words(self.tokenizer, rtext))
        if rewrite and self.lexicon is not None:
            words = self.lexicon.rewrite(words, readings, self.phrase_words.vocab)
        return list(words), char_ngram_ids([ctext])[0], wtext, _joined(readings)

    def _wvec_weight(self, word: str) -> float:
        """A word's weight in a text vector: its idf among the phrasings (BM25's; unknown words the
        highest), so 社内 / 申し込み do not make every text alike and 卓球 (no entry has it) dominates."""
        index = self.phrase_words
        tid = index.vocab.get(word)
        return float(index.idf[tid]) if tid is not None else index.unseen_idf

    def _has_word_vector(self, text: str, w: Weights) -> bool:
        assert self.word_vectors is not None
        return self.word_vectors.query_vector(self._analyse(text, w.rewrite_unknown)[0]) is not None

    def _per_doc_max(self, row_scores: np.ndarray) -> np.ndarray:
        return np.maximum.reduceat(row_scores, self.starts)

    def _per_doc_group_max(self, group_scores: np.ndarray) -> np.ndarray:
        return np.maximum.reduceat(group_scores, self.group_starts)

    def _signals(self, text: str, w: Weights) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, list[str]] | None:
        """Every signal ``w`` uses, per entry (unused ones are zeros), plus the row-level word and char
        scores (they pick the phrasing shown as matched_phrase) and the query's content words."""
        words, grams, wtext, reading = self._analyse(text, w.rewrite_unknown)
        if not words and not len(grams):
            return None
        zeros = np.zeros(self.n_docs, dtype=np.float32)
        doc_pe = doc_ee = zeros
        row_e: np.ndarray | None = None
        if w.uses_embeddings and self.embedder is not None:
            text_cos = self.text_vectors @ self.embedder.query(text)
            if w.entry_embed:
                doc_ee = np.maximum(self.entry_sum @ text_cos, 0.0).astype(np.float32)
            row_e = np.zeros(len(self.phrases), dtype=np.float32)
            row_e[self.embed_rows] = np.maximum(text_cos, 0.0)[self.embed_row_slot]
            if w.phrase_embed:
                doc_pe = self._per_doc_max(row_e)
        doc_pw = doc_aw = zeros
        if (w.phrase_wvec or w.answer_wvec) and self.word_vectors is not None:
            qv = self.word_vectors.query_vector(words, self._wvec_weight)
            if qv is not None:
                per_row = self.word_vectors.table @ qv  # cosine = text weights · (table · q)
                if w.phrase_wvec:
                    doc_pw = self._per_doc_max(np.maximum(self.text_wv @ per_row, 0.0)[self.row_text])
                if w.answer_wvec:
                    doc_aw = np.maximum(self.head_wv @ per_row, 0.0).astype(np.float32)
        row_w = bm25_coverage(self.phrase_words, words)
        # Char n-grams are scored when weighted, or when there is no embedding to pick the matched phrasing.
        row_c = tfidf_cosine_keys(self.phrase_chars, grams) if w.phrase_chars or row_e is None else row_e
        all_words = english_all_words(wtext) if w.entry_all_bigrams and self.entry_all_bigrams else []
        sig = {
            "phrase_words": self._per_doc_max(row_w),
            "entry_words": (self._per_doc_group_max(bm25_coverage(self.entry_words, words))
                            if w.entry_words and self.entry_words else zeros),
            "phrase_chars": self._per_doc_max(row_c) if w.phrase_chars else zeros,
            "entry_chars": (self._per_doc_group_max(tfidf_cosine_keys(self.entry_chars, grams))
                            if w.entry_chars and self.entry_chars else zeros),
            "phrase_bigrams": (self._per_doc_max(tfidf_cosine(self.phrase_bigrams, word_bigrams(words)))
                               if w.phrase_bigrams and self.phrase_bigrams and words else zeros),
            "answer_words": bm25_coverage(self.answer_words, words) if w.answer_words else zeros,
            "entry_all_bigrams": (tfidf_cosine(self.entry_all_bigrams, word_bigrams(all_words))
                                  if all_words else zeros),
            "phrase_embed": doc_pe,
            "entry_embed": doc_ee,
            "phrase_wvec": doc_pw,
            "answer_wvec": doc_aw,
            "phrase_readings": (self._per_doc_max(tfidf_cosine_keys(
                self.phrase_readings, char_ngram_ids([reading], ja_range=READING_NGRAMS)[0]))
                if w.phrase_readings and self.phrase_readings and reading else zeros),
        }
        return sig, row_w, row_c, words

    def signal_matrix(self, text: str) -> dict[str, np.ndarray]:
        """Every signal for every entry, for the query's script (weight fitting, ``faq.tune``)."""
        base = self.weights.for_query(text, self.embedder is not None, self.word_vectors is not None)
        built = {"entry_words": self.entry_words, "entry_chars": self.entry_chars,
                 "phrase_bigrams": self.phrase_bigrams, "entry_all_bigrams": self.entry_all_bigrams,
                 "phrase_embed": self.embedder, "entry_embed": self.embedder,
                 "phrase_readings": self.phrase_readings,
                 "phrase_wvec": self.word_vectors, "answer_wvec": self.word_vectors}
        probe = replace(base, **{name: 1.0 for name in SIGNALS if built.get(name, True) is not None})
        out = self._signals(text, probe)
        zeros = np.zeros(self.n_docs, dtype=np.float32)
        return out[0] if out is not None else {name: zeros for name in SIGNALS}

    def rank(self, text: str, k: int = 3) -> list[Candidate]:
        if self.n_docs == 0:
            return []
        w = self.weights.for_query(text, self.embedder is not None, self.word_vectors is not None)
        if w.uses_word_vectors and self.word_vectors is not None and not self._has_word_vector(text, w):
            # None of the query's words has a vector: the signal is missing, not zero.
            w = self.weights.for_query(text, self.embedder is not None, False)
        got = self._signals(text, w)
        if got is None:
            return []
        sig, row_w, row_c, _words = got
        fused = np.zeros(self.n_docs, dtype=np.float32)
        for name in SIGNALS:
            weight = getattr(w, name)
            if weight:
                fused += weight * sig[name]
        n_cand = min(max(w.candidates, k), self.n_docs)
        # argpartition: the candidate list without sorting the whole KB.
        top = np.argpartition(-fused, n_cand - 1) if n_cand < self.n_docs else np.arange(self.n_docs)
        cand = top[:n_cand]
        out: list[Candidate] = []
        for d in cand.tolist():
            if fused[d] <= 0.0:
                continue
            a = int(self.starts[d])
            b = int(self.starts[d + 1]) if d + 1 < self.n_docs else len(self.phrases)
            best_row, best_row_score = a, -1.0
            for r in range(a, b):
                row_score = float(row_w[r]) + float(row_c[r])
                if row_score > best_row_score:
                    best_row, best_row_score = r, row_score
            score = float(fused[d]) / w.total
            signals = {name: float(sig[name][d]) for name in SIGNALS}
            out.append(Candidate(d, score, self.phrases[best_row], signals))
        out.sort(key=lambda c: -c.score)
        return out[:k]
