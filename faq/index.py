"""Inverted indexes over the knowledge base: word BM25 and character n-gram TF-IDF, as posting lists.

Each index is a term → (row ids, weights) posting matrix (CSR with terms as rows).  A query touches only
the posting lists of its own terms, so scoring costs what the query's terms cost, not what the KB costs;
this is what keeps a 10,000-entry KB under 10 ms (a full sparse mat-vec would walk every entry).
Weights are precomputed at build time so that a query is a handful of numpy scatter-adds.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class PostingIndex:
    """Term postings with precomputed weights.  ``score`` returns one float per row."""

    vocab: dict[str, int]
    postings: sparse.csr_matrix  # shape (n_terms, n_rows)
    idf: np.ndarray  # per term
    n_rows: int
    unseen_idf: float  # idf a term gets when no row has it (used to penalise unknown query words)
    # Integer-keyed indexes (char n-gram ids, see tokenize.char_ngram_ids): the sorted term keys, looked up
    # with one np.searchsorted instead of a dict lookup per term; ``vocab`` is then empty.
    keys: np.ndarray | None = None

    def lookup(self, terms: Iterable[str]) -> tuple[list[int], int]:
        """Term ids of the known terms (deduplicated) and the number of unknown ones."""
        ids: list[int] = []
        seen: set[str] = set()
        unknown = 0
        for t in terms:
            if t in seen:
                continue
            seen.add(t)
            tid = self.vocab.get(t)
            if tid is None:
                unknown += 1
            else:
                ids.append(tid)
        return ids, unknown

    def accumulate(self, term_ids: Sequence[int], weights: Sequence[float]) -> np.ndarray:
        scores = np.zeros(self.n_rows, dtype=np.float32)
        indptr, indices, data = self.postings.indptr, self.postings.indices, self.postings.data
        for tid, w in zip(term_ids, weights, strict=True):
            a, b = indptr[tid], indptr[tid + 1]
            scores[indices[a:b]] += w * data[a:b]
        return scores


class TermEncoder:
    """Maps terms to integer ids in C-level loops (``map(dict.setdefault, terms, counter)``), so that a
    10,000-entry build does not pay a Python-level step per token.  Ids are unique but not contiguous
    (the counter advances on every token); each index compacts the ids it uses.  One encoder can serve
    several indexes over the same kind of terms (phrase rows and pooled entry rows share their arrays)."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._next = itertools.count()
        self._terms: dict[int, str] | None = None

    def encode(self, terms: Sequence[str]) -> np.ndarray:
        self._terms = None
        return np.fromiter(map(self._ids.setdefault, terms, self._next), dtype=np.int64, count=len(terms))

    def term_of(self) -> dict[int, str]:
        if self._terms is None:
            self._terms = {i: t for t, i in self._ids.items()}
        return self._terms


_EMPTY = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class _Counts:
    """(row, term, tf) triples of a collection, computed with numpy rather than per-row Counters (the
    10,000-entry build budget is 5 s and per-row Python dictionaries were a third of it)."""

    vocab: dict[str, int]
    rows: np.ndarray
    terms: np.ndarray
    tf: np.ndarray
    n_rows: int
    n_terms: int

    @classmethod
    def of(cls, rows: Sequence[Sequence[str]]) -> _Counts:
        enc = TermEncoder()
        return cls.of_encoded([enc.encode(r) for r in rows], enc)

    @classmethod
    def of_encoded(cls, rows: Sequence[np.ndarray], encoder: TermEncoder) -> _Counts:
        lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        flat = np.concatenate(rows) if len(rows) else _EMPTY
        used, term_of_token = np.unique(flat, return_inverse=True)
        n_terms = max(len(used), 1)
        row_of = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
        keys, tf = np.unique(row_of * n_terms + term_of_token.ravel(), return_counts=True)
        names = encoder.term_of()
        vocab = {names[r]: j for j, r in enumerate(used.tolist())}
        return cls(vocab, keys // n_terms, keys % n_terms, tf.astype(np.float64), len(rows), len(used))

    @classmethod
    def of_term_rows(cls, rows: Sequence[np.ndarray], n_terms: int) -> _Counts:
        """Counts over rows of term indices in [0, n_terms) (see ``KeyVocab``); duplicates are summed by
        scipy's COO → CSR conversion, cheaper than sorting (row, term) pairs."""
        lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        flat = np.concatenate(rows) if len(rows) else np.zeros(0, dtype=np.int64)
        row_of = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
        m = sparse.coo_matrix((np.ones(len(flat), dtype=np.float64), (row_of, flat)),
                              shape=(len(rows), max(n_terms, 1))).tocsr()
        m.sum_duplicates()
        c = m.tocoo()
        return cls({}, c.row.astype(np.int64), c.col.astype(np.int64), c.data, len(rows), n_terms)

    def df(self) -> np.ndarray:
        return np.bincount(self.terms, minlength=self.n_terms).astype(np.float64)

    def postings(self, values: np.ndarray) -> sparse.csr_matrix:
        m = sparse.csr_matrix((values.astype(np.float32), (self.terms, self.rows)),
                              shape=(self.n_terms, self.n_rows), dtype=np.float32)
        m.sort_indices()
        return m


Rows = Sequence[Sequence[str]] | tuple[Sequence[np.ndarray], TermEncoder]


def _counts(rows: Rows) -> _Counts:
    """Rows are token lists, or (arrays of encoded ids, their encoder)."""
    if isinstance(rows, tuple) and len(rows) == 2 and isinstance(rows[1], TermEncoder):
        return _Counts.of_encoded(rows[0], rows[1])
    return _Counts.of(rows)


def build_bm25(rows: Rows, *, k1: float = 1.2, b: float = 0.75) -> PostingIndex:
    """BM25 with the term weight of every (term, row) precomputed.

    A query's score is the sum of its known terms' weights; ``ranker`` divides it by the sum of the query
    terms' idf (unknown words counted at ``unseen_idf``) so that it reads as "how much of the question is
    covered", comparable between queries — which the answer/suggest/none thresholds need.
    """
    c = _counts(rows)
    n = max(c.n_rows, 1)
    lengths = np.bincount(c.rows, weights=c.tf, minlength=c.n_rows)
    avgdl = float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0
    df = c.df()
    idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
    norm = k1 * (1.0 - b + b * lengths[c.rows] / avgdl)
    values = idf[c.terms] * c.tf * (k1 + 1.0) / (c.tf + norm)
    return PostingIndex(c.vocab, c.postings(values), idf.astype(np.float32), c.n_rows,
                        float(math.log(1.0 + (n + 0.5) / 0.5)))


def build_tfidf(rows: Rows) -> PostingIndex:
    """Sublinear-tf TF-IDF with L2-normalised rows (cosine similarity once the query is normalised too)."""
    return _tfidf(_counts(rows), None)


@dataclass(frozen=True)
class KeyVocab:
    """Integer term keys (e.g. char n-gram ids) made dense once and shared by several indexes:
    ``keys`` sorted, and each text's keys as indices into it."""

    keys: np.ndarray
    rows: list[np.ndarray]

    @classmethod
    def of(cls, texts_keys: Sequence[np.ndarray]) -> KeyVocab:
        lengths = np.fromiter(map(len, texts_keys), dtype=np.int64, count=len(texts_keys))
        flat = np.concatenate(texts_keys) if len(texts_keys) else np.zeros(0, dtype=np.uint64)
        keys, inverse = np.unique(flat, return_inverse=True)
        if not len(texts_keys):
            return cls(keys, [])
        return cls(keys, np.split(inverse.ravel().astype(np.int64), np.cumsum(lengths)[:-1]))


def build_tfidf_keys(rows: Sequence[np.ndarray], vocab: KeyVocab) -> PostingIndex:
    """``build_tfidf`` over rows of ``vocab`` term indices; query it with ``tfidf_cosine_keys``."""
    return _tfidf(_Counts.of_term_rows(rows, len(vocab.keys)), vocab.keys)


def _tfidf(c: _Counts, keys: np.ndarray | None) -> PostingIndex:
    n = max(c.n_rows, 1)
    idf = np.log((1.0 + n) / (1.0 + c.df())) + 1.0
    values = (1.0 + np.log(c.tf)) * idf[c.terms]
    norms = np.sqrt(np.bincount(c.rows, weights=values * values, minlength=c.n_rows))
    values = values / np.where(norms > 0, norms, 1.0)[c.rows]
    return PostingIndex(c.vocab, c.postings(values), idf.astype(np.float32), c.n_rows,
                        float(math.log(1.0 + n) + 1.0), keys)


def bm25_coverage(index: PostingIndex, terms: Sequence[str]) -> np.ndarray:
    """BM25 per row divided by the query's total idf (0 when the query has no content words)."""
    ids, unknown = index.lookup(terms)
    total = float(index.idf[ids].sum()) + unknown * index.unseen_idf
    if total <= 0.0:
        return np.zeros(index.n_rows, dtype=np.float32)
    # Clipped at 1: a word repeated in a long entry must not outweigh full coverage by another signal.
    return np.minimum(index.accumulate(ids, [1.0 / total] * len(ids)), 1.0)


def tfidf_cosine(index: PostingIndex, terms: Sequence[str]) -> np.ndarray:
    """Cosine between the query's TF-IDF vector and every row.  Unknown n-grams count in the query norm,
    so a query that is mostly foreign to the KB cannot reach a high cosine on its few known n-grams."""
    counts = Counter(terms)
    if not counts:
        return np.zeros(index.n_rows, dtype=np.float32)
    ids: list[int] = []
    weights: list[float] = []
    sq = 0.0
    for t, tf in counts.items():
        tid = index.vocab.get(t)
        idf = index.unseen_idf if tid is None else float(index.idf[tid])
        w = (1.0 + math.log(tf)) * idf
        sq += w * w
        if tid is not None:
            ids.append(tid)
            weights.append(w)
    norm = math.sqrt(sq)
    return index.accumulate(ids, [w / norm for w in weights])


def tfidf_cosine_keys(index: PostingIndex, keys: np.ndarray) -> np.ndarray:
    """``tfidf_cosine`` for an integer-keyed index (``build_tfidf_keys``)."""
    if len(keys) == 0:
        return np.zeros(index.n_rows, dtype=np.float32)
    uq, tf = np.unique(keys, return_counts=True)
    known_keys = index.keys if index.keys is not None else np.zeros(0, dtype=np.uint64)
    if len(known_keys):
        pos = np.minimum(np.searchsorted(known_keys, uq), len(known_keys) - 1)
        known = known_keys[pos] == uq
        idf = np.where(known, index.idf[pos], index.unseen_idf)
    else:
        pos = np.zeros(len(uq), dtype=np.int64)
        known = np.zeros(len(uq), dtype=bool)
        idf = np.full(len(uq), index.unseen_idf)
    w = (1.0 + np.log(tf)) * idf
    norm = float(np.sqrt(np.dot(w, w)))
    return index.accumulate(pos[known].tolist(), (w[known] / norm).tolist())
