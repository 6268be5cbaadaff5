"""chiVe word vectors read from the ja-ginza wheel without spaCy (faq.wordvec)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

import faq.wordvec as wordvec
from faq.engine import FaqDoc, FaqEngine
from faq.wordvec import WordVectors, WordVectorsUnavailable, default_word_vectors, spacy_hash

needs_vectors = pytest.mark.skipif(default_word_vectors() is None, reason="ja-ginza not installed")


@needs_vectors
def test_vectors_are_keyed_on_sudachi_normalised_forms() -> None:
    wv = default_word_vectors()
    assert wv is not None
    # Found by spaCy's string hash (MurmurHash64A, seed 1, faq.wordvec.spacy_hash); folded katakana too.
    for word in ("経費", "精算", "有給", "締め日", "荷物", "ぱすわーど"):
        assert wv.row(word) >= 0, word
    assert int(np.searchsorted(wv._keys, np.uint64(spacy_hash("経費")))) < len(wv._keys)
    related = wv.table[wv.row("荷物")] @ wv.table[wv.row("宅配便")]
    unrelated = wv.table[wv.row("荷物")] @ wv.table[wv.row("有給")]
    assert related > unrelated


@needs_vectors
def test_text_rows_are_unit_weighted_means() -> None:
    from scipy import sparse

    wv = default_word_vectors()
    assert wv is not None
    vocab = ["経費", "精算", "zzzz-unknown"]
    counts = sparse.csr_matrix(np.array([[1, 1, 0], [0, 0, 0], [0, 0, 2]], dtype=np.float32))
    m = wv.normalised(counts @ wv.vocab_projection(vocab, lambda w: 2.0 if w == "経費" else 1.0))
    dense = np.asarray(m @ wv.table)
    # Unit length once the table's common directions are projected out (SIF-style).
    assert np.isclose(np.linalg.norm(wv._project(dense[0])), 1.0, atol=1e-5)
    assert not dense[1].any() and not dense[2].any()
    q = wv.query_vector(["経費", "精算"], lambda w: 2.0 if w == "経費" else 1.0)
    assert q is not None and np.isclose(float(dense[0] @ q), 1.0, atol=1e-5)


@needs_vectors
def test_common_directions_are_projected_out_so_unrelated_texts_look_less_alike() -> None:
    wv = default_word_vectors()
    assert wv is not None and wv.common.shape == (wordvec.COMMON_DIRECTIONS, wordvec.DIM)
    q = wv.query_vector(["荷物"])
    assert q is not None and np.allclose(wv.common @ q, 0.0, atol=1e-5)

    def raw(word: str) -> np.ndarray:
        return wv.table[wv.row(word)]

    def cos(a: str, b: str) -> float:
        qa, qb = wv.query_vector([a]), wv.query_vector([b])
        assert qa is not None and qb is not None
        return float(qa @ qb)

    assert cos("荷物", "有給") < float(raw("荷物") @ raw("有給"))  # what every text shares no longer counts
    assert cos("荷物", "宅配便") > cos("荷物", "有給")


def test_missing_or_altered_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(WordVectorsUnavailable):
        WordVectors(tmp_path)
    (tmp_path / "vectors").write_bytes(b"not numpy")
    (tmp_path / "key2row").write_bytes(b"\xdf\x00\x00\x00\x00")
    with pytest.raises(WordVectorsUnavailable, match="verified"):
        WordVectors(tmp_path)


def test_without_the_package_japanese_ranks_lexically_with_one_warning(monkeypatch, caplog) -> None:
    monkeypatch.setattr(wordvec, "_DEFAULT", [])
    monkeypatch.setattr(wordvec, "PACKAGE", "no_such_package_for_madoguchi")
    with caplog.at_level(logging.WARNING, logger="faq.wordvec"):
        engine = FaqEngine.build([FaqDoc("a", "経費精算の締め日", "毎月5営業日目です。")], embedder=None)
    assert engine.ranker.word_vectors is None
    assert [r.message for r in caplog.records].count(
        next(r.message for r in caplog.records if "word vectors off" in r.message)) == 1
    assert engine.ask("経費の締め日").matches[0].id == "a"
