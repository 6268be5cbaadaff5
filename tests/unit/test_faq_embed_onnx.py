"""The onnxruntime encoder (faq/embed_onnx.py): the hand-built ONNX graph of all-MiniLM-L6-v2 against the
numpy encoder, its int8 quantisation, the on-disk model cache and the fallback to numpy.

onnxruntime and onnx are dependencies (pyproject.toml) and the model package is installed by the Makefile;
these tests do not skip."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

import faq.embed as embed
import faq.embed_onnx as embed_onnx
from faq.embed import TextEmbedder, fast_encoder
from faq.engine import FaqDoc, FaqEngine
from faq.minilm import MiniLMEncoder, model_dir

SENTENCES = [
    "How do I reset my password?", "I forgot my password and cannot log in",
    "What is the weather like on Mars?", "Where can I submit my travel expenses?",
    "How do I claim money back for a business trip?", "VPN?",
    "The printer on the fourth floor jams every morning and nobody has fixed it since last week",
    "who signs off on overtime", "can I change the bank account my salary is paid into",
    "社内VPN can't connect (error 809)",
]


@pytest.fixture(scope="module")
def base() -> MiniLMEncoder:
    return MiniLMEncoder(model_dir())


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def fp32(base: MiniLMEncoder, cache: Path) -> embed_onnx.OnnxEncoder:
    return embed_onnx.load(base, cache=cache, quantized=False)


@pytest.fixture(scope="module")
def int8(base: MiniLMEncoder, cache: Path) -> embed_onnx.OnnxEncoder:
    return embed_onnx.load(base, cache=cache, quantized=True)


def test_the_float32_graph_computes_what_the_numpy_encoder_computes(base, fp32) -> None:
    ref = base.encode(SENTENCES)
    got = fp32.encode(SENTENCES)
    assert (got * ref).sum(1).min() >= 0.9999
    assert np.abs(got - ref).max() < 1e-4
    one = np.stack([fp32.encode_one(s) for s in SENTENCES])
    assert np.abs(one - got).max() < 1e-5  # padded batches (attention mask, mean pooling) = single texts
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_int8_vectors_stay_close_and_keep_the_similarity_order(base, int8) -> None:
    ref = base.encode(SENTENCES)
    got = int8.encode(SENTENCES)
    cos = (got * ref).sum(1)
    assert cos.min() >= 0.98, cos
    assert cos.mean() >= 0.99, cos
    sims, ref_sims = got @ got.T, ref @ ref.T
    assert np.abs(sims - ref_sims).max() < 0.05
    assert sims[0, 1] > 0.7 > 0.2 > sims[0, 2]  # same need / unrelated
    assert sims[3, 4] > sims[3, 2]
    assert not np.allclose(got, ref, atol=1e-3)  # really quantised, not the float32 graph


def test_int8_has_its_own_model_name_so_stored_float32_vectors_are_not_mixed_in(base, int8, fp32) -> None:
    assert len({base.name, int8.name, fp32.name}) == 3
    assert int8.name == embed_onnx.MODEL_NAME_INT8
    assert len(int8.name) <= 64  # faq_text_vectors.model is String(64)
    store: dict[tuple[str, str], np.ndarray] = {}

    class Store:
        def load(self, model, keys):  # type: ignore[no-untyped-def]
            return {k: store[(model, k)] for k in keys if (model, k) in store}

        def save(self, model, vectors) -> None:  # type: ignore[no-untyped-def]
            store.update({(model, k): v for k, v in vectors.items()})

    texts = SENTENCES[:3]
    assert TextEmbedder(base, Store()).store_missing(texts) == 3
    assert TextEmbedder(int8, Store()).store_missing(texts) == 3  # the float32 rows are not reused
    assert {m for m, _ in store} == {base.name, int8.name}


def test_the_quantised_model_is_cached_on_disk_and_reused(base, tmp_path: Path, caplog) -> None:
    first = embed_onnx.load(base, cache=tmp_path)
    files = sorted(tmp_path.iterdir())
    assert first.source == "built"
    assert [f.suffix for f in files] == [".onnx"] and "int8" in files[0].name
    stamp = files[0].stat().st_mtime_ns
    second = embed_onnx.load(base, cache=tmp_path)
    assert second.source == "cache"
    assert sorted(tmp_path.iterdir()) == files and files[0].stat().st_mtime_ns == stamp
    assert np.array_equal(first.encode(SENTENCES), second.encode(SENTENCES))

    files[0].write_bytes(files[0].read_bytes()[:1000])  # truncated (e.g. a full disk): rebuilt, not fatal
    with caplog.at_level(logging.WARNING, logger="faq.embed_onnx"):
        third = embed_onnx.load(base, cache=tmp_path)
    assert third.source == "built" and "unusable" in caplog.text
    assert np.array_equal(first.encode(SENTENCES), third.encode(SENTENCES))
    assert embed_onnx.load(base, cache=tmp_path).source == "cache"


def test_an_unwritable_cache_still_gives_an_encoder(base, tmp_path: Path, caplog) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with caplog.at_level(logging.WARNING, logger="faq.embed_onnx"):
        enc = embed_onnx.load(base, cache=blocker / "cache")
    assert enc.source == "built" and "could not cache" in caplog.text
    assert float(enc.encode_one(SENTENCES[0]) @ base.encode_one(SENTENCES[0])) > 0.98


def test_cache_location_follows_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MADOGUCHI_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert embed_onnx.cache_dir() == tmp_path / "xdg" / "madoguchi"
    monkeypatch.setenv("MADOGUCHI_CACHE_DIR", str(tmp_path / "mine"))
    assert embed_onnx.cache_dir() == tmp_path / "mine"


def test_without_onnxruntime_the_numpy_encoder_is_used_and_logged(base, tmp_path: Path, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="faq.embed"):
        enc = fast_encoder(base, cache=tmp_path, runtime="madoguchi_tests_no_such_onnxruntime")
    assert enc is base
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "numpy encoder" in caplog.text and "No module named" in caplog.text
    assert list(tmp_path.iterdir()) == []
    docs = [FaqDoc(id="pw", question="パスワードを忘れた", question_en="I forgot my password"),
            FaqDoc(id="trip", question="出張旅費の精算", question_en="Claiming travel expenses")]
    engine = FaqEngine.build(docs, embedder=TextEmbedder(enc))
    assert engine.ask("cannot log in, lost my password").matches[0].id == "pw"


def test_the_process_encoder_is_int8_onnxruntime_when_installed(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MADOGUCHI_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(embed, "_DEFAULT", [])
    enc = embed.default_encoder()
    assert isinstance(enc, embed_onnx.OnnxEncoder)
    assert enc.name == embed_onnx.MODEL_NAME_INT8
    assert len(list(tmp_path.glob("*.onnx"))) == 1
