"""Sentence-embedding vectors (models.FaqTextVector) and word analyses (models.FaqTextWords) of FAQ texts
in the database.

Vectors are computed when entries are written (``encode_missing`` / ``save_encoded``, called by ``kb.upsert``:
import, edit, capture from a ticket) and saved in the writer's transaction, so a replica that sees the new
KB revision also sees its vectors.  An index build reads them through ``DbVectorStore``; a vector still
missing (a KB written before this table existed, or while the model could not be loaded) is computed by the
build and saved."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import islice

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from faq.embed import default_embedder
from faq.engine import FaqDoc, embedded_texts
from faq.minilm import DIM
from models import FaqTextVector, FaqTextWords

_CHUNK = 500
Encoded = tuple[str, dict[str, np.ndarray]]  # (model, vectors by text key), from encode_missing


def _chunks(items: Sequence[str], n: int = _CHUNK) -> Iterable[list[str]]:
    it = iter(items)
    while chunk := list(islice(it, n)):
        yield chunk


def load_vectors(session: Session, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for chunk in _chunks(keys):
        rows = session.execute(select(FaqTextVector.text_sha256, FaqTextVector.dim, FaqTextVector.vector)
                               .where(FaqTextVector.model == model, FaqTextVector.text_sha256.in_(chunk)))
        for key, dim, blob in rows:
            if dim == DIM and len(blob) == 4 * DIM:
                out[key] = np.frombuffer(blob, dtype="<f4").astype(np.float32)
    return out


def save_vectors(session: Session, model: str, vectors: Mapping[str, np.ndarray]) -> None:
    # Two replicas may compute the same missing vector: the first row wins, the vectors are equal.
    _insert_ignore(session, FaqTextVector, [
        {"model": model, "text_sha256": key, "dim": int(vec.shape[0]),
         "vector": np.asarray(vec, dtype="<f4").tobytes()} for key, vec in vectors.items()])


class SessionVectorStore:
    """The store inside one open transaction (the writer's)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def load(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        return load_vectors(self.session, model, keys)

    def save(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        save_vectors(self.session, model, vectors)


class DbVectorStore:
    """The store for an index build: reads in a read-only session, saves in a short transaction of its own."""

    def __init__(self, read: sessionmaker[Session], write: sessionmaker[Session]) -> None:
        self._read = read
        self._write = write

    def load(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        with self._read() as session, session.begin():
            return load_vectors(session, model, keys)

    def save(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        with self._write() as session, session.begin():
            save_vectors(session, model, vectors)


def _insert_ignore(session: Session, model: type, rows: list[dict]) -> None:
    """INSERT … ON CONFLICT DO NOTHING for many rows: one statement executed with a parameter list
    (SQLAlchemy batches it), not a compiled multi-VALUES statement per chunk."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(model).on_conflict_do_nothing(), rows)


class DbWordStore:
    """faq.ranker.WordStore over faq_text_words.  A cold build asks for tens of thousands of keys: then one
    scan of the analyser's rows is cheaper than chunked IN lists (0.29 vs 0.77 s for 60,000 rows, SQLite)."""

    def __init__(self, read: sessionmaker[Session], write: sessionmaker[Session]) -> None:
        self._read = read
        self._write = write

    def load(self, analyser: str, keys: Sequence[str]) -> dict[str, list[str]]:
        wanted = set(keys)
        out: dict[str, list[str]] = {}
        with self._read() as session, session.begin():
            base = select(FaqTextWords.text_sha256, FaqTextWords.words).where(FaqTextWords.analyser == analyser)
            batches = [base] if len(wanted) > 2000 else [base.where(FaqTextWords.text_sha256.in_(c))
                                                         for c in _chunks(list(wanted))]
            for statement in batches:
                for key, words in session.execute(statement):
                    if key in wanted:
                        out[key] = words.split("\n") if words else []
        return out

    def save(self, analyser: str, words: Mapping[str, list[str]]) -> None:
        rows = [{"analyser": analyser, "text_sha256": key, "words": "\n".join(ws)} for key, ws in words.items()]
        if rows:
            with self._write() as session, session.begin():
                _insert_ignore(session, FaqTextWords, rows)


def encode_missing(session: Session, docs: Sequence[FaqDoc]) -> Encoded | None:
    """(model, vectors) for these entries' English phrasings that have no stored vector, encoded now and
    not yet saved: ``kb.upsert`` calls this before it writes anything, so a large import does not hold the
    database's write lock while the model runs (~3 ms per phrasing).  None when the model is not
    available (the index build fills the vectors in later)."""
    embedder = default_embedder(SessionVectorStore(session))
    if embedder is None:
        return None
    return embedder.name, embedder.missing(embedded_texts(docs))


def save_encoded(session: Session, encoded: Encoded | None) -> int:
    if not encoded:
        return 0
    model, vectors = encoded
    save_vectors(session, model, vectors)
    return len(vectors)
