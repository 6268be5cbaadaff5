"""all-MiniLM-L6-v2 as an ONNX graph run by onnxruntime, with int8 weights: the fast query encoder.

The numpy encoder (``faq.minilm.MiniLMEncoder``) streams ~42 MB of float32 weights through small GEMMs for
every query (~8-10 ms per English query on the 2-core host).  Here the same forward pass is written as an
ONNX graph with ``onnx.helper`` from the weights that encoder already loaded (no model download, no
torch/transformers export), and onnxruntime's dynamic quantisation turns the weight MatMuls into int8
``MatMulInteger`` (weights quantised once, activations per call): a quarter of the weight traffic and
VNNI/AVX2 int8 kernels.  Numbers are in docs/FAQ_ENGINE.md (session 5).

Building and quantising the graph takes a few seconds, so the quantised model is cached on disk
(``cache_dir()``), keyed by the weights' sha256, this module's ``GRAPH_VERSION`` and the onnxruntime
version.  If onnxruntime / onnx cannot be imported or the graph cannot be built or run, ``load_fast``
returns None and ``faq.embed.default_encoder`` keeps the numpy encoder (one warning in the log).

int8 vectors are not the float32 ones (cosine ≈ 0.99), so this encoder has its own model name
(``MODEL_NAME_INT8``): stored entry vectors and query vectors always come from the same encoder.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from faq.minilm import BatchedEncoder

if TYPE_CHECKING:  # pragma: no cover
    from faq.minilm import MiniLMEncoder

log = logging.getLogger(__name__)

# Bump when the graph or the quantisation settings change: it is part of the cache key and of the
# stored vectors' model name.
GRAPH_VERSION = 1
MODEL_NAME_INT8 = f"all-MiniLM-L6-v2/ort-int8-v{GRAPH_VERSION}"
MODEL_NAME_FP32 = f"all-MiniLM-L6-v2/ort-fp32-v{GRAPH_VERSION}"
OPSET = 17  # LayerNormalization is a standard op from 17 on


def cache_dir() -> Path:
    """Where the quantised model is kept: ``$MADOGUCHI_CACHE_DIR``, else ``$XDG_CACHE_HOME/madoguchi``,
    else ``~/.cache/madoguchi``."""
    explicit = os.environ.get("MADOGUCHI_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "madoguchi"


# ---------------------------------------------------------------- graph
def build_graph(enc: MiniLMEncoder, onnx: ModuleType):  # type: ignore[no-untyped-def]
    """The float32 ONNX model of ``enc``'s forward pass up to mean pooling (L2 normalisation is done by
    the caller).  Inputs: ``input_ids`` int64 (batch, seq), ``attention_mask`` float32 (batch, seq);
    output ``pooled`` float32 (batch, 384)."""
    from onnx import TensorProto, helper, numpy_helper

    dim, nh = enc.dim, enc.heads
    hd = dim // nh
    inits: list = []
    nodes: list = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.array(value, order="C"), name))  # keeps 0-d scalars 0-d
        return name

    def node(op: str, inputs: list[str], name: str, **attrs) -> str:  # type: ignore[no-untyped-def]
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def dense(x: str, name: str, w: np.ndarray, b: np.ndarray) -> str:
        """x·w + b, as nodes `<name>_mm` and `<name>`."""
        return node("Add", [node("MatMul", [x, const(name + "_w", w)], name + "_mm"), const(name + "_b", b)], name)

    def residual_norm(h: str, x: str, res: str, name: str, g: np.ndarray, b: np.ndarray) -> str:
        """LayerNorm(h + x): the residual connection closing an attention or feed-forward block."""
        return node("LayerNormalization", [node("Add", [h, x], res), const(name + "_g", g), const(name + "_b", b)],
                    name, axis=-1, epsilon=1e-12)

    f32 = np.float32
    const("word_emb", np.array(enc.word_emb, dtype=f32))
    const("pos_emb", enc.pos_emb)
    const("i64_0", np.array([0], dtype=np.int64))
    const("i64_1", np.array([1], dtype=np.int64))
    const("i64_2", np.array([2], dtype=np.int64))
    const("one", np.array(1.0, dtype=f32))
    const("half", np.array(0.5, dtype=f32))
    const("big", np.array(1e9, dtype=f32))
    const("tiny", np.array(1e-9, dtype=f32))
    const("inv_sqrt2", np.array(1.0 / np.sqrt(2.0), dtype=f32))
    const("scale", np.array(1.0 / np.sqrt(hd), dtype=f32))
    const("shape_heads", np.array([0, 0, 3, nh, hd], dtype=np.int64))
    const("shape_hidden", np.array([0, 0, dim], dtype=np.int64))
    const("q_idx", np.array(0, dtype=np.int64))
    const("k_idx", np.array(1, dtype=np.int64))
    const("v_idx", np.array(2, dtype=np.int64))

    # Embeddings: word rows + (position + token type 0) rows for 0..seq-1, LayerNorm.
    shape = node("Shape", ["input_ids"], "ids_shape")
    seq = node("Slice", [shape, "i64_1", "i64_2"], "seq_len")
    pos = node("Slice", ["pos_emb", "i64_0", seq, "i64_0"], "pos_rows")
    words = node("Gather", ["word_emb", "input_ids"], "word_rows")
    h = node("Add", [words, pos], "emb_sum")
    x = node("LayerNormalization", [h, const("emb_ln_g", enc.emb_ln[0]), const("emb_ln_b", enc.emb_ln[1])],
             "emb_ln", axis=-1, epsilon=1e-12)
    # Additive attention mask: 0 for real tokens, -1e9 for padding, shape (batch, 1, 1, seq).
    m1 = node("Sub", ["attention_mask", "one"], "mask_m1")
    bias = node("Mul", [m1, "big"], "mask_bias_2d")
    bias = node("Unsqueeze", [bias, const("axes_1_2", np.array([1, 2], dtype=np.int64))], "mask_bias")

    for i, L in enumerate(enc.layers):
        p = f"l{i}_"
        qkv = dense(x, p + "qkv", L.qkv_w, L.qkv_b)
        qkv = node("Reshape", [qkv, "shape_heads"], p + "qkv_heads")  # (b, s, 3, h, d)
        qkv = node("Transpose", [qkv], p + "qkv_t", perm=[2, 0, 3, 1, 4])  # (3, b, h, s, d)
        q = node("Gather", [qkv, "q_idx"], p + "q", axis=0)
        k = node("Gather", [qkv, "k_idx"], p + "k", axis=0)
        v = node("Gather", [qkv, "v_idx"], p + "v", axis=0)
        kt = node("Transpose", [k], p + "kt", perm=[0, 1, 3, 2])
        logits = node("MatMul", [q, kt], p + "qk")
        logits = node("Mul", [logits, "scale"], p + "qk_scaled")
        logits = node("Add", [logits, bias], p + "qk_masked")
        probs = node("Softmax", [logits], p + "probs", axis=-1)
        ctx = node("MatMul", [probs, v], p + "ctx")  # (b, h, s, d)
        ctx = node("Transpose", [ctx], p + "ctx_t", perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, "shape_hidden"], p + "ctx_flat")
        x = residual_norm(dense(ctx, p + "out", L.out_w, L.out_b), x, p + "res1", p + "ln1", L.ln1_g, L.ln1_b)
        u = dense(x, p + "up", L.up_w, L.up_b)
        # Exact GELU, 0.5·u·(1 + erf(u/√2)); onnxruntime fuses this pattern into one Gelu kernel.
        g = node("Mul", [u, "inv_sqrt2"], p + "gelu_s")
        g = node("Erf", [g], p + "gelu_erf")
        g = node("Add", [g, "one"], p + "gelu_1p")
        g = node("Mul", [u, g], p + "gelu_x")
        g = node("Mul", [g, "half"], p + "gelu")
        x = residual_norm(dense(g, p + "down", L.down_w, L.down_b), x, p + "res2", p + "ln2", L.ln2_g, L.ln2_b)

    # Mean pooling over the mask.
    m = node("Unsqueeze", ["attention_mask", "i64_2"], "mask_3d")
    xm = node("Mul", [x, m], "masked")
    total = node("ReduceSum", [xm, "i64_1"], "tok_sum", keepdims=0)
    count = node("ReduceSum", ["attention_mask", "i64_1"], "tok_count", keepdims=1)
    count = node("Max", [count, "tiny"], "tok_count_pos")
    node("Div", [total, count], "pooled")

    graph = helper.make_graph(
        nodes, "all_minilm_l6_v2",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.FLOAT, ["batch", "seq"])],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["batch", dim])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="madoguchi")
    model.ir_version = 8  # onnxruntime ≥ 1.14 reads IR 8; newer onnx packages default higher
    onnx.checker.check_model(model, full_check=True)
    return model


def weight_matmuls(model) -> list[str]:  # type: ignore[no-untyped-def]
    """The MatMul nodes whose second input is a weight (an initializer): the only ones quantised.  The
    attention MatMuls (QKᵀ, P·V) multiply two activations and stay float32."""
    weights = {t.name for t in model.graph.initializer}
    return [n.name for n in model.graph.node if n.op_type == "MatMul" and n.input[1] in weights]


def quantize(model, workdir: Path, out: Path) -> None:  # type: ignore[no-untyped-def]
    """Dynamic int8 quantisation of the weight MatMuls into ``out``: signed int8 weights, one scale per
    output channel, 7-bit range; activations are quantised per call to uint8.

    Measured on 14 of our sentences (cosine with the float32 encoder, min / mean; ms per query):
    per-tensor s8 0.964 / 0.969, 1.5 ms; per-channel s8 0.991 / 0.994, 1.7 ms; per-channel u8 0.990 /
    0.994, 2.6 ms; per-channel s8 with the FFN down projection left float32 0.994 / 0.997, 2.8 ms.
    ``reduce_range`` (7-bit weights) costs nothing measurable here (0.990 / 0.994) and keeps the u8×s8
    kernels of CPUs without VNNI from saturating their 16-bit intermediate sums."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    src = workdir / "fp32.onnx"
    onnx.save_model(model, str(src))
    # The quantiser reports every activation it quantises dynamically (logging.info, 24 lines) and suggests
    # its pre-processing pass (a warning) on the root logger: expected here; records of other code pass.
    root = logging.getLogger()
    quiet = _DropModule("onnxruntime" + os.sep + "quantization")
    root.addFilter(quiet)
    try:
        quantize_dynamic(str(src), str(out), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True,
                         nodes_to_quantize=weight_matmuls(model), op_types_to_quantize=["MatMul"])
    finally:
        root.removeFilter(quiet)


class _DropModule(logging.Filter):
    def __init__(self, path_part: str) -> None:
        super().__init__()
        self.path_part = path_part

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno <= logging.WARNING and self.path_part in record.pathname)


# ---------------------------------------------------------------- runtime
class OnnxEncoder(BatchedEncoder):
    """``MiniLMEncoder``'s interface (``name``, ``dim``, ``tokenizer``, ``encode``, ``encode_one``) over an
    onnxruntime session; one intra-op thread (the same reason BLAS runs on one: a query's kernels must
    not wait for a second core on a shared 2-core host)."""

    dim = 384

    def __init__(self, base: MiniLMEncoder, model_bytes: bytes, name: str, ort: ModuleType) -> None:
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(model_bytes, sess_options=opts, providers=["CPUExecutionProvider"])
        self.tokenizer = base.tokenizer
        self.name = name
        self.source = ""  # "cache" or "built" (set by load)
        self.heads = base.heads

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        (pooled,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def _cache_key(base: MiniLMEncoder, ort_version: str, quantized: bool) -> str:
    h = hashlib.sha256(f"{base.weights_sha256}|{GRAPH_VERSION}|{ort_version}|{quantized}".encode()).hexdigest()
    return f"minilm-l6-{'int8' if quantized else 'fp32'}-g{GRAPH_VERSION}-ort{ort_version}-{h[:16]}.onnx"


def _checked(encoder: OnnxEncoder, base: MiniLMEncoder, quantized: bool) -> OnnxEncoder:
    """The graph must reproduce the float32 model on a fixed sentence before it is cached or used
    (int8: cosine ≥ 0.98, measured 0.99-0.999; float32: ≥ 0.9999)."""
    probe = "Where do I send the receipt for my train ticket?"
    cos = float(encoder.encode_one(probe) @ base.encode_one(probe))
    if cos < (0.98 if quantized else 0.9999):
        raise RuntimeError(f"the ONNX encoder disagrees with the numpy one (cosine {cos:.4f})")
    return encoder


def load(base: MiniLMEncoder, cache: Path | None = None, quantized: bool = True,
         runtime: str = "onnxruntime") -> OnnxEncoder:
    """The ONNX encoder of ``base``'s weights; the model file is read from ``cache`` (default
    ``cache_dir()``) or built, quantised and written there (a cached file that cannot be run is rebuilt).
    Raises on any other failure (import, build, run); ``runtime`` names the onnxruntime module (tests pass
    a missing one).  ``encoder.source`` says where the model came from: "cache" or "built"."""
    ort = importlib.import_module(runtime)
    onnx = importlib.import_module("onnx")
    cache = cache_dir() if cache is None else cache
    path = cache / _cache_key(base, ort.__version__, quantized)
    name = MODEL_NAME_INT8 if quantized else MODEL_NAME_FP32
    t0 = time.perf_counter()
    try:
        data = path.read_bytes()
    except OSError:
        pass
    else:
        try:
            encoder = _checked(OnnxEncoder(base, data, name, ort), base, quantized)
            encoder.source = "cache"
            # DEBUG: faq.embed.default_encoder logs the one start-up line naming the encoders.
            log.debug("FAQ sentence encoder: onnxruntime %s %s from %s (%.1fs)", ort.__version__,
                      "int8" if quantized else "fp32", path, time.perf_counter() - t0)
            return encoder
        except Exception as exc:  # a truncated or foreign file: build it again
            log.warning("cached ONNX sentence model %s is unusable (%s: %s); rebuilding it", path,
                        type(exc).__name__, exc)
    model = build_graph(base, onnx)
    with tempfile.TemporaryDirectory(prefix="madoguchi-onnx-") as tmp:
        work = Path(tmp)
        if quantized:
            quantize(model, work, work / "model.onnx")
            data = (work / "model.onnx").read_bytes()
        else:
            data = model.SerializeToString()
    encoder = _checked(OnnxEncoder(base, data, name, ort), base, quantized)
    encoder.source = "built"
    try:
        cache.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=cache, prefix=".tmp-", suffix=".onnx")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp_name, path)  # atomic: another process never reads half a file
    except OSError as exc:
        log.warning("could not cache the ONNX sentence model in %s (%s); it is rebuilt in each process", cache, exc)
    log.debug("FAQ sentence encoder: onnxruntime %s %s built in %.1fs", ort.__version__,
              "int8" if quantized else "fp32", time.perf_counter() - t0)
    return encoder
