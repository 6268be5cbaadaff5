"""FAQ engine benchmark: the four shared datasets, the product's own Japanese set and a synthetic 10,000-entry KB.

Run: ``python bench/faq.py`` (from the repo root; about four minutes on 2 cores).  Writes the results
between the ``bench:faq`` markers of docs/BENCHMARKS.md and prints them.  Options: ``--no-write``,
``--datasets DIR`` (default: ../shared/datasets beside the repo, or /work/shared/datasets), ``--sets NAME
...`` (only these query sets, no latency run, nothing written), ``--split fit|report`` (which half the
numbers are on; ``fit`` is for tuning and is never written).

Each method is evaluated the same way (faq.eval): answer/suggest thresholds are fitted on a seeded half
of the queries and every number is reported on the other half.  "madoguchi (fused)" is the engine as the
bot runs it (lexical signals + all-MiniLM-L6-v2 sentence embeddings for English queries, int8 onnxruntime
when installed, else numpy float32); "lexical only"
is the same engine without the model (what runs if the model package cannot be loaded).  Baselines:

* rapidfuzz token_set_ratio over NFKC-normalised question + variants (best phrasing per entry);
* char n-gram TF-IDF cosine (1-3 grams for Japanese, 2-4 for English) over question + variants.

``madoguchi-ja`` is the product's own Japanese back-office set (tests/data/faq/ja_backoffice_queries.jsonl,
see the README beside it), asked of the default KB with the default synonym groups, as the bot runs it.
Its halves are the ``split`` field of each line, not a seeded shuffle, and its numbers are also given per
kind of query (katakana, half-width kana, typo, colloquial, ...).
"""

from __future__ import annotations

import argparse
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import faq.embed as embed_module  # noqa: E402
import faq.ranker as ranker_module  # noqa: E402
import models  # noqa: E402
from bot.faqdesk.vectors import DbVectorStore, DbWordStore  # noqa: E402
from faq.data import default_kb_path  # noqa: E402
from faq.embed import TextEmbedder  # noqa: E402
from faq.engine import FaqDoc, FaqEngine, embedded_texts  # noqa: E402
from faq.eval import (  # noqa: E402
    RankFn,
    engine_rank_fn,
    fit_thresholds_per_script,
    metrics,
    run_queries,
)
from faq.formats import Query, load_docs  # noqa: E402
from faq.index import build_tfidf_rows, tfidf_cosine  # noqa: E402
from faq.normalize import base_form, char_form, has_japanese  # noqa: E402
from faq.tokenize import char_ngrams  # noqa: E402
from faq.tune import OWN_SETS, load_set  # noqa: E402

DATASETS = ("localgovfaq-ja", "stackfaq-en", "clinc150-en", "banking77-en")
# The product's own query sets, asked of the default KB; each line says its kind and its half.
KIND_ORDER = ("kanji", "katakana", "hiragana", "halfwidth", "typo", "colloquial", "synonym", "english", "mixed", "oos")
BEGIN, END = "<!-- bench:faq:begin -->", "<!-- bench:faq:end -->"
TARGETS = {
    "localgovfaq-ja": "top-1 ≥ 0.50, R@3 ≥ 0.65",
    "stackfaq-en": "top-1 ≥ 0.85",
    "clinc150-en": "top-1 ≥ 0.65, OOS false answers ≤ 10 %",
    "banking77-en": "(no target; fine-grained ranking)",
    "madoguchi-ja": "top-1 ≥ 0.92, R@3 ≥ 0.98, ans. rate ≥ 0.70, OOS false ≤ 5 %",
}


Synonyms = Mapping[str, Sequence[str]] | None  # the engine's synonym groups; the baselines ignore them


def _phrases(doc: FaqDoc) -> list[str]:
    return list(dict.fromkeys((doc.question, *doc.variants)))


def rapidfuzz_baseline(docs: Sequence[FaqDoc], synonyms: Synonyms = None) -> tuple[RankFn, float]:
    t0 = time.perf_counter()
    texts: list[str] = []
    owner: list[int] = []
    for i, d in enumerate(docs):
        for p in _phrases(d):
            texts.append(base_form(p))
            owner.append(i)

    def rank(q: str) -> list[tuple[str, float]]:
        scores = process.cdist([base_form(q)], texts, scorer=fuzz.token_set_ratio, workers=1)[0]
        best = np.zeros(len(docs), dtype=np.float32)
        np.maximum.at(best, owner, scores)
        order = np.argsort(-best, kind="stable")[:10]
        return [(docs[j].id, float(best[j]) / 100.0) for j in order]

    return rank, time.perf_counter() - t0


def tfidf_baseline(docs: Sequence[FaqDoc], synonyms: Synonyms = None) -> tuple[RankFn, float]:
    t0 = time.perf_counter()
    rows: list[list[str]] = []
    owner: list[int] = []
    for i, d in enumerate(docs):
        for p in _phrases(d):
            rows.append(char_ngrams(char_form(base_form(p))))
            owner.append(i)
    index = build_tfidf_rows(rows)
    owner_arr = np.asarray(owner)

    def rank(q: str) -> list[tuple[str, float]]:
        row = tfidf_cosine(index, char_ngrams(char_form(base_form(q))))
        best = np.zeros(len(docs), dtype=np.float32)
        np.maximum.at(best, owner_arr, row)
        order = np.argsort(-best, kind="stable")[:10]
        return [(docs[j].id, float(best[j])) for j in order]

    return rank, time.perf_counter() - t0


def ours(docs: Sequence[FaqDoc], synonyms: Synonyms = None) -> tuple[RankFn, float]:
    """The engine as the bot runs it: lexical signals + sentence embeddings of the English phrasings.
    Its build time here includes encoding the phrasings (no vector store: the datasets are small)."""
    t0 = time.perf_counter()
    engine = FaqEngine.build(docs, synonyms=synonyms)
    build_s = time.perf_counter() - t0
    engine.ask("warm up")
    engine.ask("準備")  # loads the Sudachi dictionary outside the timed queries
    return engine_rank_fn(engine), build_s


def ours_lexical(docs: Sequence[FaqDoc], synonyms: Synonyms = None) -> tuple[RankFn, float]:
    """The engine without its models (what runs when the model packages cannot be loaded): no English
    sentence embeddings, no Japanese word vectors."""
    t0 = time.perf_counter()
    engine = FaqEngine.build(docs, synonyms=synonyms, embedder=None, word_vectors=None)
    build_s = time.perf_counter() - t0
    engine.ask("warm up")
    engine.ask("準備")
    return engine_rank_fn(engine), build_s


METHODS = {"madoguchi (fused)": ours, "madoguchi lexical only": ours_lexical,
           "rapidfuzz token_set": rapidfuzz_baseline, "char TF-IDF": tfidf_baseline}


# ---------------------------------------------------------------- evaluation on explicit halves
def evaluate_halves(queries: Sequence[Query], rank: RankFn, fit_idx: Sequence[int], report_idx: Sequence[int], *,
                    build_s: float, split: str = "report", kinds: Sequence[str] | None = None) -> dict:
    """faq.eval.evaluate_rank_fn with the halves given: thresholds fitted on ``fit_idx``, metrics on the half
    named by ``split`` (with ``split="report"`` the same numbers as evaluate_rank_fn on the same halves).
    With ``kinds``, also top-1 / R@3 / answer rate per kind on that half (out-of-scope kinds: OOS false)."""
    outcomes = run_queries(queries, rank)
    fit = [outcomes[i] for i in fit_idx]
    shown_idx = list(report_idx if split == "report" else fit_idx)
    th = fit_thresholds_per_script(fit)
    result = metrics([outcomes[i] for i in shown_idx], th)
    result["build_s"] = round(build_s, 3)
    result["split"] = (f"thresholds fitted on {len(fit)} queries, metrics on the {split} half "
                       f"({len(shown_idx)} queries)")
    result["thresholds"] = {"answer": th.answer, "suggest": th.suggest, "margin": th.margin}
    if th.japanese is not None and th.japanese != replace(th, japanese=None):
        result["thresholds"]["japanese"] = {"answer": th.japanese.answer, "suggest": th.japanese.suggest,
                                            "margin": th.japanese.margin}
    if split == "report":
        fit_m = metrics(fit, th)
        result["fit_half"] = {k: fit_m[k] for k in ("top1", "recall_at_3", "mrr", "oos_false_answer_rate")}
    if kinds is not None:
        per_kind: dict[str, dict] = {}
        present = {kinds[i] for i in shown_idx}
        for kind in [k for k in KIND_ORDER if k in present] + sorted(present - set(KIND_ORDER)):
            m = metrics([outcomes[i] for i in shown_idx if kinds[i] == kind], th)
            per_kind[kind] = {k: m[k] for k in ("n", "top1", "recall_at_3", "in_scope_answer_rate",
                                                  "oos_false_answer_rate")}
        result["per_kind"] = per_kind
    return result


def run_set(name: str, datasets: Path, split: str, seed: int) -> dict[str, dict]:
    """Every method on one query set; numbers on the ``split`` half."""
    loaded = load_set(datasets, name, seed)
    docs, queries, kinds, synonyms = loaded.docs, loaded.queries, loaded.kinds, loaded.synonyms
    fit_idx, report_idx = loaded.fit_idx, loaded.report_idx
    out: dict[str, dict] = {}
    for method, factory in METHODS.items():
        rank, build_s = factory(docs, synonyms)
        out[method] = r = evaluate_halves(queries, rank, fit_idx, report_idx, build_s=build_s, split=split,
                                          kinds=kinds)
        print(f"{name:15s} {method:24s} [{split}] top1={r['top1']} r3={r['recall_at_3']} "
              f"ans={r['in_scope_answer_rate']} ans_acc={r['answered_accuracy']} "
              f"oos_false={r['oos_false_answer_rate']} p95={r['p95_ms']}ms", flush=True)
    return out


# ---------------------------------------------------------------- synthetic 10,000-entry KB
def synthetic_kb(n: int = 10_000, seed: int = 0) -> tuple[list[FaqDoc], list[Query]]:
    """A KB of ``n`` entries made by recombining the words and sentences of the default KB (our own
    text), so it has realistic Japanese/English shape: a question, 3 variants, an English question and a
    ~200-character answer per entry.  The vocabulary is small, which makes posting lists long: a
    pessimistic case for latency.  Queries: the default KB's own variants with one character dropped,
    plus random recombinations (half of them Japanese)."""
    rng = random.Random(seed)
    base = load_docs(default_kb_path())
    ja_phrases = [p for d in base for p in (d.question, *d.variants)]
    en_phrases = [p for d in base for p in (d.question_en or "", *d.variants_en) if p]
    sentences = [s for d in base for s in re.split(r"(?<=。)", d.answer) if s]
    ja_chunks = [c for p in ja_phrases for c in re.split(r"(?<=[をがはにでのと])", p) if c]
    en_words = [w for p in en_phrases for w in p.split()]

    def ja_question() -> str:
        return "".join(rng.sample(ja_chunks, 3))

    def en_question() -> str:
        return " ".join(rng.sample(en_words, 6))

    docs: list[FaqDoc] = []
    for i in range(n):
        answer = "".join(rng.sample(sentences, 2))[:220]
        docs.append(FaqDoc(
            id=f"syn-{i:05d}", question=ja_question(), answer=answer,
            variants=tuple(ja_question() for _ in range(3)), question_en=en_question(),
            department=rng.choice(["finance", "hr", "general_affairs", "legal", "it"]),
        ))
    # Mix the real entries in so that queries have real targets.
    for j, d in enumerate(base):
        docs[j * (n // len(base))] = d
    queries: list[Query] = []
    for _ in range(400):
        src = rng.choice(base)
        text = rng.choice((src.question, *src.variants, src.question_en or src.question))
        k = rng.randrange(len(text))
        queries.append(Query(text[:k] + text[k + 1 :], (src.id,)))
    queries += [Query(ja_question() if i % 2 else en_question(), ()) for i in range(100)]
    return docs, queries


class _TimedStore:
    """The bot's database vector store, timing its reads."""

    def __init__(self, inner: DbVectorStore) -> None:
        self.inner = inner
        self.load_s = 0.0

    def load(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        t0 = time.perf_counter()
        try:
            return self.inner.load(model, keys)
        finally:
            self.load_s += time.perf_counter() - t0

    def save(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        self.inner.save(model, vectors)


def _clear_process_caches() -> None:
    """What a new process starts with: no word analyses, no vectors in memory (the Sudachi dictionary and
    the model weights stay loaded: the bot loads them once per process, not per build)."""
    ranker_module._WORDS_CACHE.clear()
    embed_module._VECTOR_CACHE.clear()


def _timed(fn):  # type: ignore[no-untyped-def]
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def latency_run(docs: Sequence[FaqDoc], queries: Sequence[Query]) -> dict[str, float]:
    """Wall and CPU time: the machine is shared (other jobs, 2 cores), CPU time shows what the work costs.

    Vectors and word analyses live where the bot keeps them, database tables (SQLite file here): the import
    stores the vectors (timed: what writing the KB costs), the first build saves the Sudachi analyses, and
    a cold build with empty process caches (a new process) reads both."""
    encoder = embed_module.default_encoder()
    result: dict[str, float] = {"entries": len(docs)}
    with tempfile.TemporaryDirectory() as tmp:
        db = create_engine(f"sqlite:///{tmp}/vectors.db")
        models.Base.metadata.create_all(db, tables=[models.FaqTextVector.__table__, models.FaqTextWords.__table__])
        factory = sessionmaker(db)
        store = _TimedStore(DbVectorStore(factory, factory))
        words = DbWordStore(factory, factory)
        embedder = TextEmbedder(encoder, store) if encoder is not None else None
        texts = embedded_texts(docs)
        result["phrasings_embedded"] = len(texts)
        if embedder is not None:
            _clear_process_caches()
            added, wall, cpu = _timed(lambda: embedder.store_missing(texts))
            result.update(import_s=wall, import_cpu_s=cpu, import_ms_per_phrasing=1000.0 * wall / max(added, 1))
        # Lexical-only cold build (no model, no stored analyses), for comparison.
        _clear_process_caches()
        _, result["lexical_build_s"], result["lexical_build_cpu_s"] = _timed(
            lambda: FaqEngine.build(docs, embedder=None))
        # The first build after the import: runs Sudachi on every Japanese text and saves the analyses.
        _clear_process_caches()
        _, result["first_build_s"], result["first_build_cpu_s"] = _timed(
            lambda: FaqEngine.build(docs, embedder=embedder, word_store=words))
        # A cold build (a new process: empty caches) reads vectors and analyses.
        _clear_process_caches()
        store.load_s = 0.0
        engine, result["build_s"], result["build_cpu_s"] = _timed(
            lambda: FaqEngine.build(docs, embedder=embedder, word_store=words))
        result["vector_load_s"] = store.load_s
        if embedder is not None:
            result["vectors_computed_at_build"] = embedder.last.computed
        # What the bot does after an admin edits one entry (FaqIndex rebuilds on the revision change): the
        # unchanged texts' word analysis and vectors are reused, the edited entry is analysed afresh.
        edited = list(docs)
        edited[1] = replace(edited[1], question=edited[1].question + "（改訂）",
                            answer=edited[1].answer + "更新しました。")
        _, result["rebuild_s"], _ = _timed(lambda: FaqEngine.build(edited, embedder=embedder, word_store=words))
    engine.ask("warm up")
    engine.ask("準備")
    ms: list[float] = []
    ms_en: list[float] = []
    ms_ja: list[float] = []
    for q in queries:
        t = time.perf_counter()
        engine.ask(q.query)
        dt = (time.perf_counter() - t) * 1000.0
        ms.append(dt)
        (ms_ja if has_japanese(q.query) else ms_en).append(dt)
    rf_rank, _ = rapidfuzz_baseline(docs)
    tf_rank, tf_build = tfidf_baseline(docs)
    base_ms: dict[str, list[float]] = {"rapidfuzz": [], "tfidf": []}
    for name, fn in (("rapidfuzz", rf_rank), ("tfidf", tf_rank)):
        for q in queries[:100]:
            t = time.perf_counter()
            fn(q.query)
            base_ms[name].append((time.perf_counter() - t) * 1000.0)
    result.update({
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)), "max_ms": float(max(ms)),
        "n_en": len(ms_en), "en_p50_ms": float(np.percentile(ms_en, 50)), "en_p95_ms": float(np.percentile(ms_en, 95)),
        "n_ja": len(ms_ja), "ja_p95_ms": float(np.percentile(ms_ja, 95)),
        "rapidfuzz_p95_ms": float(np.percentile(base_ms["rapidfuzz"], 95)),
        "tfidf_p95_ms": float(np.percentile(base_ms["tfidf"], 95)), "tfidf_build_s": tf_build,
    })
    return result


def encoder_run(queries: Sequence[Query]) -> dict[str, dict[str, float]]:
    """Per-query sentence encoding alone, for the three ways of running all-MiniLM-L6-v2: numpy float32,
    onnxruntime float32 (the same graph unquantised) and onnxruntime int8 (what the bot runs).  The three
    are timed on each query in turn (so machine load hits them alike); CPU ms (process time) and wall ms.
    Cosine: each query's vector against the numpy one."""
    from faq import embed_onnx

    base = embed_module.MiniLMEncoder(embed_module.model_dir())
    embed_module._single_threaded_blas()
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = embed_onnx.load(base, cache=Path(tmp), quantized=False)
    int8 = embed_module.default_encoder()
    encoders = {"numpy fp32": base, "onnxruntime fp32": fp32, "onnxruntime int8": int8}
    texts = [q.query for q in queries if not has_japanese(q.query)][:200]
    for enc in encoders.values():
        enc.encode_one("warm up")
    cpu: dict[str, list[float]] = {k: [] for k in encoders}
    wall: dict[str, list[float]] = {k: [] for k in encoders}
    cos: dict[str, list[float]] = {k: [] for k in encoders}
    for text in texts:
        ref = None
        for name, enc in encoders.items():
            t, c = time.perf_counter(), time.process_time()
            vec = enc.encode_one(text)
            cpu[name].append((time.process_time() - c) * 1000.0)
            wall[name].append((time.perf_counter() - t) * 1000.0)
            ref = vec if ref is None else ref
            cos[name].append(float(vec @ ref))
    return {name: {"n": len(texts), "cpu_p50_ms": float(np.percentile(cpu[name], 50)),
                   "cpu_p95_ms": float(np.percentile(cpu[name], 95)),
                   "wall_p50_ms": float(np.percentile(wall[name], 50)),
                   "wall_p95_ms": float(np.percentile(wall[name], 95)),
                   "cos_min": min(cos[name]), "cos_mean": float(np.mean(cos[name])),
                   "model": getattr(encoders[name], "name", "")} for name in encoders}


# ---------------------------------------------------------------- report
def _fmt(v: object) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def render(results: dict[str, dict[str, dict]], latency: dict[str, float], command: str,
           encoders: dict[str, dict[str, float]] | None = None) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        model = cpu
    lines = [
        "## FAQ engine (`faq/`)",
        "",
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}; machine: {model}, "
        f"{_cpu_count()} cores, Python {platform.python_version()}",
        f"- command: `{command}`",
        "- every number is on the **report half**: answer/suggest thresholds are fitted on a seeded half of "
        "the queries (seed 0, in-scope and out-of-scope split separately; madoguchi-ja: the halves written in "
        "the set) and applied to the other half. "
        "top-1 / R@3 / MRR over in-scope queries (a hit = any id in `gold_ids`); OOS false = out-of-scope "
        "queries answered with tier `answer`; ans. rate = in-scope queries answered; ans. acc = answered "
        "queries whose top-1 is right. p50/p95 per query on that KB.",
        "",
        "| dataset | method | top-1 | R@3 | MRR | OOS false | ans. rate | ans. acc | p50 ms | p95 ms | build s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for ds, by_method in results.items():
        for method, r in by_method.items():
            name = f"**{method}**" if method.startswith("madoguchi") else method
            lines.append(
                f"| {ds} | {name} | {_fmt(r['top1'])} | {_fmt(r['recall_at_3'])} | {_fmt(r['mrr'])} | "
                f"{_fmt(r['oos_false_answer_rate'])} | {_fmt(r['in_scope_answer_rate'])} | "
                f"{_fmt(r['answered_accuracy'])} | {_fmt(r['p50_ms'])} | {_fmt(r['p95_ms'])} | "
                f"{_fmt(r['build_s'])} |"
            )
    lines += ["", "Targets (issues 4 and 13): " + "; ".join(f"{k}: {v}" for k, v in TARGETS.items()) + ".", ""]
    for ds, by_method in results.items():
        if "per_kind" in by_method["madoguchi (fused)"]:
            lines += [render_kinds(ds, by_method, "report"), ""]
    lines += [
        "Fitted thresholds (madoguchi, answer / suggest / margin; per script where a set has both): " + "; ".join(
            f"{ds} {_fmt_th(r['madoguchi (fused)']['thresholds'])}" for ds, r in results.items()
        ) + ".",
        "",
        "| synthetic KB | entries | cold build s (CPU s) | rebuild after 1 edit s | p50 ms | p95 ms | max ms | "
        "rapidfuzz p95 ms | char TF-IDF p95 ms |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| default KB recombined (ja+en, 4 phrasings + answer each) | {latency['entries']:,} | "
        f"{latency['build_s']:.2f} ({latency['build_cpu_s']:.2f}) | {latency['rebuild_s']:.2f} | "
        f"{latency['p50_ms']:.2f} | {latency['p95_ms']:.2f} | {latency['max_ms']:.2f} | "
        f"{latency['rapidfuzz_p95_ms']:.2f} | {latency['tfidf_p95_ms']:.2f} |",
        "",
        f"Same KB, by query script ({latency['n_en']} English, {latency['n_ja']} Japanese queries): English "
        f"p50 {latency['en_p50_ms']:.2f} / **p95 {latency['en_p95_ms']:.2f} ms** (they pay the sentence "
        f"encoding), Japanese p95 {latency['ja_p95_ms']:.2f} ms.",
        "",
        "Sentence vectors at 10,000 entries (" + f"{latency['phrasings_embedded']:,} English phrasings): " + (
            f"storing them at import (encode + write to the SQLite vector table) {latency['import_s']:.1f} s wall "
            f"/ {latency['import_cpu_s']:.1f} s CPU = **{latency['import_ms_per_phrasing']:.2f} ms per phrasing**; "
            f"the cold build above reads them ({latency['vector_load_s']:.2f} s of it; "
            f"{latency['vectors_computed_at_build']} encoded at build). "
            if "import_s" in latency else "model not available, lexical only. ")
        + "The cold build also reads the Sudachi word analyses the first build saved; that first build "
        f"(Sudachi on every Japanese text, analyses written) took {latency['first_build_s']:.2f} s "
        f"({latency['first_build_cpu_s']:.2f} s CPU). Lexical-only cold build (no model, nothing stored), as "
        f"before this session: {latency['lexical_build_s']:.2f} s ({latency['lexical_build_cpu_s']:.2f} s CPU).",
        "",
        f"Budgets: p95 ≤ 10 ms per query at 10,000 entries; build ≤ 5 s. Load average while this ran: "
        f"{_load()} on {_cpu_count()} cores (wall times stretch with it; CPU s much less).",
    ]
    if encoders:
        n = next(iter(encoders.values()))["n"]
        lines += [
            "",
            f"Sentence encoding alone, one query at a time ({n} English queries of the synthetic KB; the three "
            "encoders run on each query in turn; cosine against the numpy float32 vector):",
            "",
            "| encoder | model key | CPU p50 ms | CPU p95 ms | wall p50 ms | wall p95 ms | cosine min | cosine mean |",
            "|---|---|---|---|---|---|---|---|",
        ] + [
            f"| {name}{' (the bot)' if name == 'onnxruntime int8' else ''} | `{e['model']}` | "
            f"{e['cpu_p50_ms']:.2f} | {e['cpu_p95_ms']:.2f} | {e['wall_p50_ms']:.2f} | {e['wall_p95_ms']:.2f} | "
            f"{e['cos_min']:.4f} | {e['cos_mean']:.4f} |" for name, e in encoders.items()
        ]
    return "\n".join(lines)


def _fmt_th(th: dict) -> str:
    out = f"{th['answer']:.3f} / {th['suggest']:.3f} / {th['margin']:.2f}"
    if "japanese" in th:
        ja = th["japanese"]
        out = f"Latin {out}, Japanese {ja['answer']:.3f} / {ja['suggest']:.3f} / {ja['margin']:.2f}"
    return out


def render_kinds(ds: str, by_method: dict[str, dict], split: str) -> str:
    """Per kind of query: each method's top-1 (out-of-scope: OOS false), and the fused engine's R@3 and
    answer rate."""
    methods = list(by_method)
    fused = by_method["madoguchi (fused)"]["per_kind"]
    lines = [
        f"{ds}, {split} half, per kind of query: top-1 (oos: share answered), and madoguchi (fused) R@3 and "
        "answer rate.",
        "",
        "| kind | n | " + " | ".join(methods) + " | fused R@3 | fused ans. rate |",
        "|---|---|" + "---|" * (len(methods) + 2),
    ]
    for kind, k in fused.items():
        key = "oos_false_answer_rate" if kind == "oos" else "top1"
        cells = [_fmt(by_method[m]["per_kind"][kind][key]) for m in methods]
        lines.append(f"| {kind} | {k['n']} | " + " | ".join(cells) + f" | {_fmt(k['recall_at_3'])} | "
                     f"{_fmt(k['in_scope_answer_rate'])} |")
    return "\n".join(lines)


def _load() -> str:
    import os

    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def write_section(section: str, path: Path) -> None:
    block = f"{BEGIN}\n{section}\n{END}"
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if BEGIN in text and END in text:
            head, rest = text.split(BEGIN, 1)
            _, tail = rest.split(END, 1)
            text = head + block + tail
        else:
            text = text.rstrip("\n") + "\n\n" + block + "\n"
    else:
        text = "# Benchmarks\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _default_datasets() -> Path:
    for cand in (ROOT.parent / "shared" / "datasets", Path("/work/shared/datasets")):
        if cand.exists():
            return cand
    return ROOT.parent / "shared" / "datasets"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", type=Path, default=_default_datasets())
    ap.add_argument("--no-write", action="store_true", help="print only, do not touch docs/BENCHMARKS.md")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sets", nargs="+", choices=(*DATASETS, *OWN_SETS), metavar="NAME",
                    help=f"only these query sets ({', '.join((*DATASETS, *OWN_SETS))}); no latency run, "
                         "nothing written")
    ap.add_argument("--split", choices=("report", "fit"), default="report",
                    help="the half the numbers are on (thresholds are always fitted on the fit half); "
                         "tune on fit, never on report")
    args = ap.parse_args(argv)
    results: dict[str, dict[str, dict]] = {}
    for ds in args.sets or (*DATASETS, *OWN_SETS):
        results[ds] = run_set(ds, args.datasets, args.split, args.seed)
    if args.sets or args.split != "report":
        for ds, by_method in results.items():
            if "per_kind" in by_method["madoguchi (fused)"]:
                print(render_kinds(ds, by_method, args.split))
        return 0
    syn_docs, syn_queries = synthetic_kb()
    latency = latency_run(syn_docs, syn_queries)
    print(f"synthetic {latency}", flush=True)
    encoders = encoder_run(syn_queries) if embed_module.default_encoder() is not None else None
    print(f"encoders {encoders}", flush=True)
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    # Full runs only reach here: every set, report half.
    command = "python bench/faq.py" + (f"  (at {rev.stdout.strip()})" if rev.returncode == 0 else "")
    section = render(results, latency, command, encoders)
    print(section)
    if not args.no_write:
        write_section(section, ROOT / "docs" / "BENCHMARKS.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
