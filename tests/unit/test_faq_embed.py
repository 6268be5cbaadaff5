"""The numpy all-MiniLM-L6-v2 encoder (faq/minilm.py; faq/embed.py chooses the process's) and the embedding
signals in the ranker (with the numpy encoder and with the process default, int8 onnxruntime).

The model files are installed by the Makefile (faq/install_model.py); these tests need them (they do not
skip: a missing model in CI is a broken install)."""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

import faq.embed as embed
import faq.minilm as minilm
from faq import wordvec
from faq.embed import TextEmbedder
from faq.engine import FaqDoc, FaqEngine, embedded_texts
from faq.minilm import EmbeddingUnavailable, MiniLMEncoder, WordPiece, model_dir


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    """The numpy float32 encoder (the reference; the process default is its int8 onnxruntime version,
    tests/unit/test_faq_embed_onnx.py)."""
    return MiniLMEncoder(model_dir())


@pytest.fixture(scope="module", params=["numpy", "default"])
def any_encoder(request: pytest.FixtureRequest, encoder: MiniLMEncoder) -> embed.Encoder:
    """Ranking behaviour must hold for both the numpy encoder and the one the bot runs."""
    if request.param == "numpy":
        return encoder
    enc = embed.default_encoder()
    assert enc is not None, "the all-MiniLM-L6-v2 files are not installed (make install)"
    return enc


def test_reproduces_the_similarities_published_for_the_model(encoder: MiniLMEncoder) -> None:
    # sentence-transformers' README example for all-MiniLM-L6-v2 prints these similarities (torch).
    e = encoder.encode(["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
    sims = e @ e.T
    assert sims[0, 1] == pytest.approx(0.6660, abs=5e-4)
    assert sims[0, 2] == pytest.approx(0.1046, abs=5e-4)
    assert sims[1, 2] == pytest.approx(0.1411, abs=5e-4)


def test_our_sentences_keep_their_measured_similarities(encoder: MiniLMEncoder) -> None:
    # Computed once with this encoder (which matches the published values above); a change in the
    # forward pass, pooling or tokenisation moves them.
    e = encoder.encode(["How do I reset my password?", "I forgot my password and cannot log in",
                        "What is the weather like on Mars?", "Where can I submit my travel expenses?",
                        "How do I claim money back for a business trip?"])
    sims = e @ e.T
    assert sims[0, 1] == pytest.approx(0.8049, abs=1e-3)
    assert sims[0, 2] == pytest.approx(0.0421, abs=1e-3)
    assert sims[3, 4] == pytest.approx(0.5555, abs=1e-3)
    assert sims[2, 4] == pytest.approx(0.0014, abs=1e-3)
    assert np.allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)


def test_batches_with_padding_equal_one_text_at_a_time(encoder: MiniLMEncoder) -> None:
    texts = ["short", "a somewhat longer sentence about expense reports and receipts", "VPN?"]
    batched = encoder.encode(texts, batch_size=3)
    single = np.stack([encoder.encode_one(t) for t in texts])
    assert np.abs(batched - single).max() < 1e-5


def test_wordpiece_matches_the_models_tokenizer_json() -> None:
    # Expected ids computed once with the HF `tokenizers` package from the model's tokenizer.json.
    wp = WordPiece((model_dir() / "vocab.txt").read_text(encoding="utf-8").splitlines())
    assert wp.encode("Où est la café? Reimbursement for my taxi receipt!!") == [
        101, 15068, 9765, 2474, 7668, 1029, 24964, 14905, 28393, 3672, 2005, 2026, 10095, 24306, 999, 999, 102]
    assert wp.encode("社内VPN can't connect (error 809)") == [
        101, 1924, 1773, 21210, 2078, 2064, 1005, 1056, 7532, 1006, 7561, 3770, 2683, 1007, 102]
    assert wp.encode("supercalifragilisticexpialidocious" + "x" * 90) == [101, 100, 102]  # > 100 chars: [UNK]
    assert wp.encode("tab\tand\u200bzero-width") == [101, 21628, 1998, 6290, 2080, 1011, 9381, 102]
    assert len(wp.encode("word " * 400)) == minilm.MAX_TOKENS


def test_gelu_polynomial_matches_erf() -> None:
    x = np.linspace(-10, 10, 100_001).astype(np.float32)
    assert np.abs(minilm._gelu(x.copy()) - minilm._gelu_reference(x.astype(np.float64))).max() < 1e-6


def test_a_model_file_that_is_not_the_verified_one_is_refused(tmp_path: Path) -> None:
    src = model_dir()
    for name in ("config.json", "vocab.txt", "model.safetensors"):
        shutil.copy(src / name, tmp_path / name)
    MiniLMEncoder(tmp_path)  # the copy loads
    with (tmp_path / "vocab.txt").open("a", encoding="utf-8") as f:
        f.write("extra\n")
    with pytest.raises(EmbeddingUnavailable, match="verified"):
        MiniLMEncoder(tmp_path)
    with pytest.raises(EmbeddingUnavailable):
        MiniLMEncoder(tmp_path / "missing")


def test_without_the_model_the_engine_answers_lexically_and_logs_once(monkeypatch, caplog) -> None:
    def gone() -> Path:
        raise EmbeddingUnavailable("the all-MiniLM-L6-v2 weights are not installed")

    monkeypatch.setattr(embed, "model_dir", gone)
    monkeypatch.setattr(embed, "_DEFAULT", [])
    docs = [FaqDoc(id="vpn", question="VPNに接続できない", question_en="I cannot connect to the VPN")]
    with caplog.at_level(logging.WARNING, logger="faq.embed"):
        first = FaqEngine.build(docs)
        FaqEngine.build(docs)
    assert first.ranker.embedder is None
    assert first.ask("cannot connect to the VPN").matches[0].id == "vpn"
    assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1
    assert "lexical" in caplog.records[0].message


KB = [
    FaqDoc(id="wifi", question="社内Wi-Fiにつながらない", question_en="The office wireless network does not work",
           variants_en=("Wi-Fi is down on my floor",)),
    FaqDoc(id="trip", question="出張旅費の精算方法", question_en="How do I get reimbursed for a business trip?"),
    FaqDoc(id="leave", question="有給休暇の残日数を知りたい", question_en="How many vacation days do I have left?"),
    FaqDoc(id="desk", question="座席表はどこにありますか", question_en="Where is the seating chart?"),
]


def test_a_paraphrase_without_shared_words_is_found_by_its_meaning(any_encoder: embed.Encoder) -> None:
    engine = FaqEngine.build(KB, embedder=TextEmbedder(any_encoder))
    top = engine.candidates("my internet connection keeps dropping", k=4)
    assert top[0].doc == 0
    assert top[0].signals["entry_embed"] > 0.3 > max(c.signals["entry_embed"] for c in top[1:] if c.doc != 0)
    assert engine.candidates("how much paid time off remains for me", k=1)[0].doc == 2


def test_japanese_queries_rank_exactly_as_without_embeddings(any_encoder: embed.Encoder) -> None:
    with_model = FaqEngine.build(KB, embedder=TextEmbedder(any_encoder))
    lexical = FaqEngine.build(KB, embedder=None)
    for q in ("Wi-Fiがつながらない", "出張の精算", "有給はあと何日"):
        a = [(c.doc, round(c.score, 6)) for c in with_model.candidates(q, k=4)]
        b = [(c.doc, round(c.score, 6)) for c in lexical.candidates(q, k=4)]
        assert a == b
    assert with_model.candidates("Wi-Fiがつながらない", k=1)[0].signals["entry_embed"] == 0.0


class MemoryStore:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], np.ndarray] = {}
        self.saves = 0

    def load(self, model: str, keys):  # type: ignore[no-untyped-def]
        return {k: self.rows[(model, k)] for k in keys if (model, k) in self.rows}

    def save(self, model: str, vectors) -> None:  # type: ignore[no-untyped-def]
        self.saves += 1
        self.rows.update({(model, k): v for k, v in vectors.items()})


def test_vectors_come_from_the_store_when_it_has_them(encoder: MiniLMEncoder, monkeypatch) -> None:
    monkeypatch.setattr(embed, "_VECTOR_CACHE", {})
    store = MemoryStore()
    texts = embedded_texts(KB)
    assert texts == ["The office wireless network does not work", "Wi-Fi is down on my floor",
                     "How do I get reimbursed for a business trip?", "How many vacation days do I have left?",
                     "Where is the seating chart?"]
    assert TextEmbedder(encoder, store).store_missing(texts) == 5
    assert TextEmbedder(encoder, store).store_missing(texts) == 0

    monkeypatch.setattr(embed, "_VECTOR_CACHE", {})  # a new process: only the store has them
    embedder = TextEmbedder(encoder, store)
    engine = FaqEngine.build(KB, embedder=embedder)
    assert (embedder.last.loaded, embedder.last.computed) == (5, 0)
    fresh = FaqEngine.build(KB, embedder=TextEmbedder(encoder))
    q = "my internet connection keeps dropping"
    assert engine.candidates(q, k=1)[0].score == pytest.approx(fresh.candidates(q, k=1)[0].score, abs=1e-6)

    edited = [*KB[:3], FaqDoc(id="desk", question="座席表", question_en="Where can I find the floor plan?")]
    FaqEngine.build(edited, embedder=embedder)
    assert (embedder.last.cached, embedder.last.computed) == (4, 1)  # only the edited text is encoded
    assert store.saves == 2


def test_loading_logs_one_line_naming_the_encoders(monkeypatch, caplog) -> None:
    monkeypatch.setattr(embed, "_DEFAULT", [])
    assert embed.encoder_status()["en"] == "not loaded yet"
    with caplog.at_level(logging.DEBUG, logger="faq"):
        enc = embed.default_encoder()
        embed.default_encoder()
    # At the default level (INFO) one line; the onnxruntime cache details are DEBUG.
    lines = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert lines[0].levelno == logging.INFO
    assert lines[0].getMessage() == f"FAQ encoders: en=all-MiniLM-L6-v2 int8 onnxruntime, ja={wordvec.status()}"
    assert embed.encoder_status() == {"en": embed.describe(enc), "ja": wordvec.status()}
    assert embed.encoder_problem() is None


def test_a_missing_model_is_one_warning_saying_how_to_install_it(monkeypatch, tmp_path: Path, caplog) -> None:
    monkeypatch.setenv(minilm.MODEL_DIR_ENV, str(tmp_path / "nowhere"))
    monkeypatch.setattr(embed, "_DEFAULT", [])
    with caplog.at_level(logging.DEBUG, logger="faq"):
        assert embed.default_encoder() is None
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    message = caplog.records[0].getMessage()
    assert message.startswith(f"FAQ encoders: en=missing, ja={wordvec.status()} (")
    assert "make install" in message and "python -m faq.install_model" in message
    assert embed.encoder_status()["en"] == "missing"


def test_without_onnxruntime_the_one_line_says_numpy_and_why(encoder: MiniLMEncoder, monkeypatch, caplog) -> None:
    base = encoder
    monkeypatch.setattr(embed, "_DEFAULT", [])
    monkeypatch.setattr(embed, "MiniLMEncoder", lambda _dir: base)
    real = embed.fast_encoder
    monkeypatch.setattr(embed, "fast_encoder", lambda b, **kw: real(b, runtime="madoguchi_no_such_ort", **kw))
    with caplog.at_level(logging.DEBUG, logger="faq"):
        assert embed.default_encoder() is base
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "en=all-MiniLM-L6-v2 float32 numpy" in caplog.text and "No module named" in caplog.text


def test_model_files_are_found_in_the_venv_or_where_the_environment_says(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv(minilm.MODEL_DIR_ENV, raising=False)
    assert minilm.model_dir() == minilm.installed_model_dir()
    assert minilm.installed_model_dir().is_relative_to(sys.prefix)
    assert minilm.model_problem() is None  # make install put the verified files there
    monkeypatch.setenv(minilm.MODEL_DIR_ENV, str(tmp_path))
    with pytest.raises(EmbeddingUnavailable, match="make install"):
        minilm.model_dir()
    assert "not installed" in (minilm.model_problem() or "")
