"""Sentence embeddings for English text: which encoder of all-MiniLM-L6-v2 the process uses (int8
onnxruntime, faq/embed_onnx.py, else the numpy one, faq/minilm.py), and ``TextEmbedder``, which keeps
the vectors of known texts.

If the model files are missing or refused, ``default_encoder()`` returns None and the FAQ engine ranks with
its lexical signals only.  That is never silent: loading logs one line naming the encoders in use
(``encoder_status()``), /healthz reports them and ``madoguchi config check`` warns (``model_problem()``).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from faq import embed_onnx
from faq.minilm import DIM, MODEL_NAME, EmbeddingUnavailable, MiniLMEncoder, model_dir

log = logging.getLogger(__name__)

def text_key(text: str) -> str:
    """Key of a text's stored vector (with the model name): sha256 of the text as embedded."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Encoder(Protocol):
    """What ``TextEmbedder`` needs: ``MiniLMEncoder`` (numpy) or ``faq.embed_onnx.OnnxEncoder``.  ``name``
    keys the stored vectors, so two encoders whose outputs differ must have different names."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...

    def encode_one(self, text: str) -> np.ndarray: ...


@dataclass(frozen=True)
class _Loaded:
    encoder: Encoder | None
    problem: str | None  # why the encoder is missing or not on its fast path


_DEFAULT: list[_Loaded] = []  # the process-wide encoder, once loaded
_DEFAULT_LOCK = threading.Lock()

# What answers a Japanese question: there is no Japanese sentence model; Sudachi words + character n-grams.


def describe(encoder: Encoder | None) -> str:
    """One phrase for logs and /healthz: which model, precision and runtime, or "missing"."""
    if encoder is None:
        return "missing"
    name = encoder.name
    if "/ort-int8" in name:
        return f"{MODEL_NAME} int8 onnxruntime"
    if "/ort-fp32" in name:
        return f"{MODEL_NAME} float32 onnxruntime"
    return f"{MODEL_NAME} float32 numpy" if name == MODEL_NAME else name


def encoder_status() -> dict[str, str]:
    """The FAQ's encoders by language, as loaded in this process; never loads anything (cheap enough for
    /healthz).  "en" is "not loaded yet" before the first FAQ index build, "missing" when the model could
    not be loaded (``encoder_problem()`` says why)."""
    from faq import wordvec

    return {"en": describe(_DEFAULT[0].encoder) if _DEFAULT else "not loaded yet", "ja": wordvec.status()}


def encoder_problem() -> str | None:
    """Why the English encoder is missing or not on its fast path (as loaded in this process), or None."""
    return _DEFAULT[0].problem if _DEFAULT else None


def _single_threaded_blas() -> None:
    """OpenBLAS on one thread for the whole process.  A query's encoding is ~40 small GEMMs; with two
    BLAS threads each GEMM waits until both threads have a core, and on a shared 2-core host that wait is
    a scheduler time slice: CLINC150 query p95 went to 204 ms under load 3 with 2 threads (docs/FAQ_ENGINE.md).
    Nothing else in madoguchi does dense linear algebra."""
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")
    except Exception as exc:  # pragma: no cover - threadpoolctl missing or no BLAS found: keep defaults
        log.warning("could not limit BLAS threads: %s", exc)


def fast_encoder(base: MiniLMEncoder, cache: Path | None = None, runtime: str = "onnxruntime",
                 problems: dict[str, str] | None = None) -> Encoder:
    """The int8 onnxruntime encoder of ``base``'s weights (``faq.embed_onnx``, ~5× faster per query), or
    ``base`` itself, with one warning in the log, when onnxruntime/onnx are missing or the graph cannot be
    built, cached or run.  ``cache``: where the quantised model file is kept (default
    ``faq.embed_onnx.cache_dir()``); ``runtime``: the onnxruntime module's name (tests name a missing one).
    ``problems``: given, the reason goes there under "en" instead of into its own log line."""
    try:
        return embed_onnx.load(base, cache=cache, quantized=True, runtime=runtime)
    except Exception as exc:  # any failure of an optional accelerator: the numpy encoder gives the same model
        reason = (f"onnxruntime int8 not available, using the numpy encoder (~5x slower per query): "
                  f"{type(exc).__name__}: {exc}")
        if problems is None:
            log.warning("FAQ sentence encoder: %s", reason)
        else:
            problems["en"] = reason
        return base


def default_encoder() -> Encoder | None:
    """The process-wide encoder, loaded once: int8 onnxruntime when available, else numpy float32; None if
    the model cannot be loaded.  Loading logs exactly one line naming the encoders in use: INFO when the
    int8 onnxruntime one is, else WARNING with the reason and, for missing files, how to install them."""
    if _DEFAULT:
        return _DEFAULT[0].encoder
    with _DEFAULT_LOCK:
        if not _DEFAULT:
            problems: dict[str, str] = {}
            encoder: Encoder | None = None
            try:
                base = MiniLMEncoder(model_dir())
                _single_threaded_blas()
                encoder = fast_encoder(base, problems=problems)
            except EmbeddingUnavailable as exc:
                problems["en"] = f"English answered with lexical signals only: {exc}"
            _DEFAULT.append(_Loaded(encoder, problems.get("en")))
            status = encoder_status()
            line = f"FAQ encoders: en={status['en']}, ja={status['ja']}"
            if "en" in problems:
                log.warning("%s (%s)", line, problems["en"])
            else:
                log.info("%s", line)
    return _DEFAULT[0].encoder


# ---------------------------------------------------------------- vectors of KB texts
class VectorStore(Protocol):
    """Persistent vectors keyed by (model name, ``text_key``); the bot keeps them in the database."""

    def load(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]: ...

    def save(self, model: str, vectors: Mapping[str, np.ndarray]) -> None: ...


# Vectors survive engine rebuilds in the process (an edit re-embeds only the changed texts); bounded.
_VECTOR_CACHE: dict[tuple[str, str], np.ndarray] = {}
_VECTOR_CACHE_MAX = 200_000


@dataclass
class EmbedStats:
    cached: int = 0  # found in the process cache
    loaded: int = 0  # read from the store
    computed: int = 0  # run through the model (then saved to the store)
    compute_s: float = 0.0


class TextEmbedder:
    """Vectors for KB texts and queries.  KB texts: process cache, then the store, then the model (missing
    texts are encoded in batches and saved, so a cold build with a filled store only reads vectors)."""

    def __init__(self, encoder: Encoder, store: VectorStore | None = None) -> None:
        self.encoder = encoder
        self.store = store
        self.name = encoder.name
        self.last = EmbedStats()

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        stats = EmbedStats()
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        for i, t in enumerate(texts):
            hit = _VECTOR_CACHE.get((self.name, t))
            if hit is None:
                missing.setdefault(t, []).append(i)
            else:
                out[i] = hit
                stats.cached += 1
        if missing and self.store is not None:
            keys = {text_key(t): t for t in missing}
            for key, vec in self.store.load(self.name, list(keys)).items():
                t = keys[key]
                for i in missing.pop(t):
                    out[i] = vec
                self._remember(t, vec)
                stats.loaded += 1
        if missing:
            t0 = time.perf_counter()
            todo = list(missing)
            vecs = self.encoder.encode(todo)
            stats.compute_s = time.perf_counter() - t0
            stats.computed = len(todo)
            for t, vec in zip(todo, vecs, strict=True):
                out[missing[t]] = vec
                self._remember(t, vec)
            if self.store is not None:
                self.store.save(self.name, {text_key(t): v for t, v in zip(todo, vecs, strict=True)})
        self.last = stats
        return out

    def missing(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors (by ``text_key``) of the texts the store does not have, encoded (or taken from the
        process cache) but not saved: the caller saves them when it writes (``store_missing``)."""
        if self.store is None:
            return {}
        keys = {text_key(t): t for t in dict.fromkeys(texts)}
        have = self.store.load(self.name, list(keys))
        todo = [t for key, t in keys.items() if key not in have]
        found = {t: _VECTOR_CACHE[(self.name, t)] for t in todo if (self.name, t) in _VECTOR_CACHE}
        fresh = [t for t in todo if t not in found]
        if fresh:
            for t, vec in zip(fresh, self.encoder.encode(fresh), strict=True):
                found[t] = vec
                self._remember(t, vec)
        return {text_key(t): found[t] for t in todo}

    def store_missing(self, texts: Sequence[str]) -> int:
        """Make sure the store has a vector for each text (write time); returns how many were added."""
        vectors = self.missing(texts)
        if vectors and self.store is not None:
            self.store.save(self.name, vectors)
        return len(vectors)

    def _remember(self, text: str, vec: np.ndarray) -> None:
        if len(_VECTOR_CACHE) >= _VECTOR_CACHE_MAX:
            _VECTOR_CACHE.clear()
        _VECTOR_CACHE[(self.name, text)] = vec

    def query(self, text: str) -> np.ndarray:
        return self.encoder.encode_one(text)


def default_embedder(store: VectorStore | None = None) -> TextEmbedder | None:
    encoder = default_encoder()
    return None if encoder is None else TextEmbedder(encoder, store)
