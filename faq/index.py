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


def encode_terms(rows: Sequence[Sequence[str]]) -> tuple[dict[str, int], sparse.csr_matrix]:
    """String term rows → (vocabulary term → id, rows × terms count matrix).

    Terms are numbered in C-level loops (``map(dict.setdefault, terms, counter)``) over all rows at once,
    then made dense with one ``np.unique``: a 10,000-entry build does not pay a Python step per token.
    Several collections that share a vocabulary (phrasings and answers) are encoded together and the
    matrix rows split afterwards."""
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    flat = list(itertools.chain.from_iterable(rows))
    first_seen: dict[str, int] = {}
    raw = np.fromiter(map(first_seen.setdefault, flat, itertools.count()), dtype=np.int64, count=len(flat))
    # A term's raw id is the position of its first occurrence, so the dict's values, in insertion order,
    # are the distinct raw ids in increasing order: a lookup table makes them dense without sorting.
    dense_of = np.zeros(len(flat), dtype=np.int64)
    dense_of[np.fromiter(first_seen.values(), dtype=np.int64, count=len(first_seen))] = np.arange(len(first_seen))
    vocab = dict(zip(first_seen, range(len(first_seen)), strict=True))
    return vocab, count_matrix(dense_of[raw], lengths, len(vocab))


def count_matrix(terms: np.ndarray, lengths: np.ndarray, n_terms: int) -> sparse.csr_matrix:
    """Rows × terms term frequencies from the rows' term ids laid end to end (duplicates summed)."""
    row_of = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    m = sparse.csr_matrix((np.ones(len(terms), dtype=np.float64), (row_of, terms)),
                          shape=(len(lengths), max(n_terms, 1)))
    m.sum_duplicates()
    return m


@dataclass(frozen=True)
class _Counts:
    """(row, term, tf) triples of a collection, from a rows × terms count matrix."""

    rows: np.ndarray
    terms: np.ndarray
    tf: np.ndarray
    n_rows: int
    n_terms: int

    @classmethod
    def of(cls, m: sparse.csr_matrix) -> _Counts:
        m = sparse.csr_matrix(m)
        m.sum_duplicates()
        n_rows, n_terms = m.shape
        rows = np.repeat(np.arange(n_rows, dtype=np.int64), np.diff(m.indptr))
        return cls(rows, m.indices.astype(np.int64), m.data.astype(np.float64), n_rows, n_terms)

    def df(self) -> np.ndarray:
        return np.bincount(self.terms, minlength=self.n_terms).astype(np.float64)

    def postings(self, values: np.ndarray) -> sparse.csr_matrix:
        m = sparse.csr_matrix((values.astype(np.float32), (self.terms, self.rows)),
                              shape=(self.n_terms, self.n_rows), dtype=np.float32)
        m.sort_indices()
        return m


def build_bm25(counts: sparse.csr_matrix, vocab: dict[str, int], *, k1: float = 1.2,
               b: float = 0.75) -> PostingIndex:
    """BM25 over a rows × terms count matrix (``encode_terms``), the weight of every (term, row)
    precomputed.

    A query's score is the sum of its known terms' weights; ``ranker`` divides it by the sum of the query
    terms' idf (unknown words counted at ``unseen_idf``) so that it reads as "how much of the question is
    covered", comparable between queries — which the answer/suggest/none thresholds need.  A vocabulary
    term no row has (the vocabulary may be shared with other collections) gets exactly ``unseen_idf``,
    so it counts as unknown.
    """
    c = _Counts.of(counts)
    n = max(c.n_rows, 1)
    lengths = np.bincount(c.rows, weights=c.tf, minlength=c.n_rows)
    avgdl = float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0
    df = c.df()
    idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
    norm = k1 * (1.0 - b + b * lengths[c.rows] / avgdl)
    values = idf[c.terms] * c.tf * (k1 + 1.0) / (c.tf + norm)
    return PostingIndex(vocab, c.postings(values), idf.astype(np.float32), c.n_rows,
                        float(math.log(1.0 + (n + 0.5) / 0.5)))


def build_tfidf(counts: sparse.csr_matrix, vocab: dict[str, int], keys: np.ndarray | None = None) -> PostingIndex:
    """Sublinear-tf TF-IDF with L2-normalised rows (cosine similarity once the query is normalised too).
    ``keys``: for integer-keyed terms (char n-gram ids), the sorted key of each term column; query such an
    index with ``tfidf_cosine_keys`` (``vocab`` is then empty)."""
    c = _Counts.of(counts)
    n = max(c.n_rows, 1)
    idf = np.log((1.0 + n) / (1.0 + c.df())) + 1.0
    values = (1.0 + np.log(c.tf)) * idf[c.terms]
    norms = np.sqrt(np.bincount(c.rows, weights=values * values, minlength=c.n_rows))
    values = values / np.where(norms > 0, norms, 1.0)[c.rows]
    return PostingIndex(vocab, c.postings(values), idf.astype(np.float32), c.n_rows,
                        float(math.log(1.0 + n) + 1.0), keys)


def build_tfidf_rows(rows: Sequence[Sequence[str]]) -> PostingIndex:
    """``build_tfidf`` straight from token rows (the bench's char TF-IDF baseline)."""
    vocab, counts = encode_terms(rows)
    return build_tfidf(counts, vocab)


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
