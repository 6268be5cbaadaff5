"""Japanese word vectors: chiVe (Works Applications, Apache-2.0) as shipped in the ``ja-ginza`` wheel.

``ja-ginza`` 5.3.0 (Megagon Labs, MIT; PyPI) is a spaCy pipeline; madoguchi uses none of its models, only
its vector table: chiVe word2vec vectors (300 dims) keyed on Sudachi normalised forms, pruned by spaCy to
20,000 distinct rows that 480,443 keys point to.  The files are read as data, without spaCy:
``vocab/vectors`` is a .npy array, ``vocab/key2row`` a msgpack map from spaCy's string hash (MurmurHash64A,
seed 1, of the UTF-8 text) to a row.  Both are checked against pinned sha256 digests.  Missing package or
other files: one warning in the log, Japanese queries rank without the word-vector signals.

A text's vector is the idf-weighted mean of its content words' unit vectors (words are the tokenizer's
``normalized_form``, kana folded to hiragana, so the katakana spelling is tried too), with the table's
common directions projected out (SIF-style, ``COMMON_DIRECTIONS``), normalised.  The ranker keeps
texts as sparse texts × rows weights: a query costs one 20,000 × 300 mat-vec plus a sparse product.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

from faq.normalize import _kata

log = logging.getLogger(__name__)

PACKAGE = "ja_ginza"
VERSION = "5.3.0"
SHA256 = {
    "vectors": "8c16f062e90069d86fc58df57af9c9c948aae9b0033684332c99538fbdcff4bf",
    "key2row": "dee5b86de2f94dac1f48db1115ad21a94755e370debb78b5cc46dbcf3950cad0",
}
# Where the files come from: this wheel, pinned by its sha256 and downloaded with pip --require-hashes, never
# installed (it requires spaCy and ginza, which madoguchi does not use; faq/install_model.py).
WHEEL = ("ja-ginza", VERSION, "ac6479a805c5c5c23c270554934c1c1f344039560ef3a7e4b15a4275bea3c685")
WHEEL_PREFIX = f"{PACKAGE}/{PACKAGE}-{VERSION}/vocab/"
# The package's meta.json (its name, version, licence and the vectors' shape), kept beside the files.
CARD = ("meta.json", f"{PACKAGE}/meta.json", "57779552eef93282e539c378ff35e914ac43820b255a3e9166b976f63249df2e")
DIR_ENV = "MADOGUCHI_CHIVE_DIR"
INSTALL_HINT = "run `make install`, or `python -m faq.install_model` with the bot's Python"
DIM = 300
# SIF-style common-component removal (issue 13): the table's first principal directions carry what all
# Japanese text shares (frequency, register), so every text looked alike; vectors are compared with
# them projected out.  Taken from the table itself, not from a KB, so a small KB cannot skew it.
# Fitting halves, top-1 LocalgovFAQ / madoguchi-ja (Japanese queries), weights refitted for each: none
# 0.5546 / 0.9085, 2 directions 0.5714 / 0.9085 (faq.tune); 1 and 3 directions gave 0.5672 on LocalgovFAQ
# in an experiment script (docs/FAQ_ENGINE.md, "Issue 13, second pass").
COMMON_DIRECTIONS = 2

_M = 0xC6A4A7935BD1E995
_MASK = (1 << 64) - 1


class WordVectorsUnavailable(RuntimeError):
    pass


def spacy_hash(text: str) -> int:
    """spaCy's ``hash_string``: MurmurHash64A of the UTF-8 bytes with seed 1."""
    data = text.encode("utf-8")
    n = len(data)
    h = (1 ^ (n * _M)) & _MASK
    nb = n // 8
    for i in range(nb):
        k = (int.from_bytes(data[8 * i : 8 * i + 8], "little") * _M) & _MASK
        k ^= k >> 47
        k = (k * _M) & _MASK
        h = ((h ^ k) * _M) & _MASK
    rem = n & 7
    if rem:
        h ^= int.from_bytes(data[8 * nb :], "little")
        h = (h * _M) & _MASK
    h ^= h >> 47
    h = (h * _M) & _MASK
    h ^= h >> 47
    return h


def _read_key2row(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The msgpack map {uint key: uint row} (map32 header, then unsigned ints of any width)."""
    if raw[:1] != b"\xdf":
        raise ValueError("key2row is not a msgpack map32")
    n = int.from_bytes(raw[1:5], "big")
    widths = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8}
    keys = np.empty(n, dtype=np.uint64)
    rows = np.empty(n, dtype=np.int32)
    p = 5
    for i in range(n):
        for arr in (keys, rows):
            b = raw[p]
            if b < 0x80:
                arr[i] = b
                p += 1
            else:
                w = widths[b]
                arr[i] = int.from_bytes(raw[p + 1 : p + 1 + w], "big")
                p += 1 + w
    order = np.argsort(keys)
    return keys[order], rows[order]


def installed_dir() -> Path:
    """Where ``python -m faq.install_model`` puts the files: inside the running Python's prefix (the venv)."""
    return Path(sys.prefix) / "share" / "madoguchi" / f"chive-{PACKAGE}-{VERSION}"


def vocab_dir() -> Path:
    explicit = os.environ.get(DIR_ENV)
    d = Path(explicit) if explicit else installed_dir()
    if not (d / "vectors").is_file():
        raise WordVectorsUnavailable(f"the chiVe word vectors are not installed (no vectors in {d}): {INSTALL_HINT}")
    return d


class WordVectors:
    """chiVe unit vectors by word; ``rows`` maps words to table rows (-1: no vector)."""

    name = f"chive-{PACKAGE}-{VERSION}"

    def __init__(self, directory: Path | None = None) -> None:
        d = directory or vocab_dir()
        try:
            blobs = {}
            for name, digest in SHA256.items():
                data = (d / name).read_bytes()
                if hashlib.sha256(data).hexdigest() != digest:
                    raise WordVectorsUnavailable(f"{d / name} is not the verified file")
                blobs[name] = data
            table = np.load(d / "vectors", mmap_mode="r")
            self._keys, self._rows = _read_key2row(blobs["key2row"])
        except (OSError, ValueError, KeyError) as exc:
            raise WordVectorsUnavailable(f"cannot read the word vectors in {d}: {exc}") from exc
        if table.shape[1:] != (DIM,):
            raise WordVectorsUnavailable(f"unexpected vector table shape {table.shape}")
        v = np.asarray(table, dtype=np.float32)
        norms = np.linalg.norm(v, axis=1, keepdims=True)
        self.table = np.ascontiguousarray(v / np.where(norms > 0, norms, 1.0))
        # The top principal directions (uncentred) of the table: eigenvectors of the 300 × 300 Gram matrix.
        _, eig = np.linalg.eigh(self.table.T.astype(np.float64) @ self.table)
        self.common = np.ascontiguousarray(eig[:, ::-1][:, :COMMON_DIRECTIONS].T, dtype=np.float32)
        self._cache: dict[str, int] = {}

    def row(self, word: str) -> int:
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        r = -1
        # Kana is folded to hiragana by the tokenizer, Latin words to lower case: try the other spellings.
        for form in (word, word.upper(), word.capitalize()) if word.isascii() else (word, _kata(word)):
            h = np.uint64(spacy_hash(form))
            i = int(np.searchsorted(self._keys, h))
            if i < len(self._keys) and self._keys[i] == h:
                r = int(self._rows[i])
                break
        if len(self._cache) >= 500_000:
            self._cache.clear()
        self._cache[word] = r
        return r

    def vocab_projection(self, words: Sequence[str], weight: Callable[[str], float]) -> sparse.csr_matrix:
        """words × table rows: ``weight(word)`` at the word's row (an empty row when it has no vector)."""
        rows = np.fromiter(map(self.row, words), dtype=np.int64, count=len(words))
        has = np.flatnonzero(rows >= 0)
        values = np.fromiter((weight(words[i]) for i in has.tolist()), dtype=np.float32, count=len(has))
        return sparse.csr_matrix((values, (has, rows[has])), shape=(len(words), len(self.table)))

    def _project(self, v: np.ndarray) -> np.ndarray:
        """Vectors (rows) with the common directions removed."""
        return v - (v @ self.common.T) @ self.common

    def normalised(self, m: sparse.csr_matrix) -> sparse.csr_matrix:
        """Rows of texts × table-row weights scaled so that ``m @ table`` has unit rows once the common
        directions are projected out (zero rows stay).  A text's cosine with a query is then
        ``m @ (table @ q)`` for the projected query ``q`` (``query_vector``): projecting the query is enough,
        as the projection is symmetric and idempotent."""
        m = sparse.csr_matrix(m, dtype=np.float32)
        norms = np.zeros(m.shape[0], dtype=np.float32)
        for a in range(0, m.shape[0], 4096):  # ‖P Σ w v‖ per text, in chunks (a dense 300-column block each)
            norms[a : a + 4096] = np.linalg.norm(self._project(np.asarray(m[a : a + 4096] @ self.table)), axis=1)
        return (sparse.diags(1.0 / np.where(norms > 1e-6, norms, 1.0)) @ m).astype(np.float32).tocsr()

    def query_vector(self, words: Sequence[str],
                     weight: Callable[[str], float] | None = None) -> np.ndarray | None:
        pairs = [(r, weight(w) if weight else 1.0) for w in words if (r := self.row(w)) >= 0]
        if not pairs:
            return None
        v = self._project(np.asarray([x for _, x in pairs], dtype=np.float32) @ self.table[[r for r, _ in pairs]])
        n = float(np.linalg.norm(v))
        return v / n if n > 1e-6 else None


_DEFAULT: list[WordVectors | None] = []
_DEFAULT_LOCK = threading.Lock()


def problem() -> str | None:
    """Why the word vectors would not load (files missing or not the verified ones), or None. Hashes the
    files (~0.1 s), builds nothing: for ``madoguchi config check``."""
    try:
        d = vocab_dir()
        for name, digest in SHA256.items():
            data = (d / name).read_bytes()
            if hashlib.sha256(data).hexdigest() != digest:
                return f"{d / name} is not the verified file: {INSTALL_HINT}"
    except WordVectorsUnavailable as exc:
        return str(exc)
    except OSError as exc:
        return f"cannot read the chiVe files: {exc}"
    return None


def status() -> str:
    """The Japanese encoder as this process has it, loading nothing (for /healthz and the start-up line)."""
    lexical = "lexical (Sudachi words and readings + character n-grams)"
    if _DEFAULT:
        loaded = _DEFAULT[0] is not None
        return f"{WordVectors.name} word vectors + {lexical}" if loaded else f"{lexical}; chiVe missing"
    try:
        vocab_dir()
    except WordVectorsUnavailable:
        return f"{lexical}; chiVe missing"
    return f"{WordVectors.name} word vectors (loaded with the first Japanese index) + {lexical}"


def default_word_vectors() -> WordVectors | None:
    """The process-wide chiVe table, loaded once (~0.5 s); None, with one warning, when unavailable."""
    if _DEFAULT:
        return _DEFAULT[0]
    with _DEFAULT_LOCK:
        if not _DEFAULT:
            try:
                _DEFAULT.append(WordVectors())
            except WordVectorsUnavailable as exc:
                log.warning("FAQ Japanese word vectors off, Japanese queries rank without them: %s", exc)
                _DEFAULT.append(None)
    return _DEFAULT[0]
