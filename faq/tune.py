"""Weight fitting for the ranker's signals, on the fitting halves only.

Each dataset's engine computes every signal for every entry and query once (``Ranker.signal_matrix``);
a weight set is then scored as the mean top-1 over the datasets' *fitting* halves (``faq.eval.split_halves``,
the same seeded split the thresholds are fitted on), so the report halves never influence a weight.
Coordinate ascent: each weight in turn takes the best value of a grid while the others stay fixed,
until a full pass changes nothing.

Run: ``python -m faq.tune DATASETS_DIR [--sets stackfaq-en clinc150-en banking77-en] [--signals ...]``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from faq.data import default_kb_path, default_synonyms
from faq.engine import FaqEngine
from faq.eval import split_halves, without_placeholder_answers
from faq.formats import load_docs, load_queries
from faq.normalize import has_japanese
from faq.ranker import JAPANESE, LATIN_EMBED, SIGNALS, Weights, WeightSet

# The product's own query sets (tests/data/faq): asked of the default KB, fitting half marked per line.
OWN_SETS = {"madoguchi-ja": Path(__file__).resolve().parent.parent / "tests" / "data" / "faq"
            / "ja_backoffice_queries.jsonl"}
GRID = tuple(round(x, 2) for x in np.arange(0.0, 2.01, 0.1))


@dataclass(frozen=True)
class FitSet:
    """One dataset's fitting half: signals (queries × signals × entries) and the gold entry indices."""

    name: str
    signals: np.ndarray
    gold: list[set[int]]

    def top1(self, w: Weights) -> float:
        vec = np.array([getattr(w, s) for s in SIGNALS], dtype=np.float32)
        fused = np.einsum("s,qsd->qd", vec, self.signals)
        best = fused.argmax(axis=1)
        return float(np.mean([b in g for b, g in zip(best.tolist(), self.gold, strict=True)]))


@dataclass
class QuerySet:
    """A KB and its queries, split into a fitting and a report half; ``kinds`` for the product's own set."""

    docs: list
    queries: list
    fit_idx: list[int]
    report_idx: list[int]
    synonyms: dict[str, list[str]] | None = None
    kinds: list[str] | None = None


def load_set(datasets: Path, name: str, seed: int = 0) -> QuerySet:
    """The one way a set is read for fitting and for the bench.  The product's own set is asked of the default
    KB with the default synonyms (as the bot runs it), halves frozen in its file; an external set
    (``datasets / name`` with faq.jsonl and queries.jsonl) is halved by ``faq.eval.split_halves``."""
    if name in OWN_SETS:
        path = OWN_SETS[name]
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        halves = [str(r["split"]) for r in rows]
        return QuerySet(load_docs(default_kb_path()), load_queries(path),
                        [i for i, h in enumerate(halves) if h == "fit"],
                        [i for i, h in enumerate(halves) if h == "report"],
                        default_synonyms(), [str(r["kind"]) for r in rows])
    queries = load_queries(datasets / name / "queries.jsonl")
    fit_idx, report_idx = split_halves(queries, seed)
    return QuerySet(without_placeholder_answers(load_docs(datasets / name / "faq.jsonl")), queries,
                    list(fit_idx), list(report_idx))


# Every signal switched on, so that every index is built and ``signal_matrix`` returns all of them.
ALL_ON = Weights(**{name: 1.0 for name in SIGNALS})


def fit_set(datasets: Path, name: str, seed: int = 0, *, japanese: bool = False,
            synonyms: dict[str, list[str]] | None = None) -> FitSet:
    """``datasets / name`` holds faq.jsonl and queries.jsonl.  ``japanese``: the sets are Japanese; build
    every index a Japanese weight set may use, without the English model."""
    loaded = load_set(datasets, name, seed)
    docs, queries, fit_idx = loaded.docs, loaded.queries, loaded.fit_idx
    synonyms = loaded.synonyms if loaded.synonyms is not None else synonyms
    if japanese:
        engine = FaqEngine.build(docs, weights=WeightSet(japanese=ALL_ON), embedder=None, synonyms=synonyms)
    else:
        engine = FaqEngine.build(docs)
    index = {d.id: i for i, d in enumerate(engine.docs)}
    rows, gold = [], []
    for i in fit_idx:
        q = queries[i]
        if not q.in_scope or has_japanese(q.query) != japanese:  # each weight set sees its own script
            continue
        m = engine.ranker.signal_matrix(q.query)
        rows.append(np.stack([m[s] for s in SIGNALS]))
        gold.append({index[g] for g in q.gold_ids if g in index})
    return FitSet(name, np.stack(rows).astype(np.float32), gold)


def mean_top1(sets: Sequence[FitSet], w: Weights) -> float:
    return float(np.mean([s.top1(w) for s in sets]))


def coordinate_ascent(sets: Sequence[FitSet], start: Weights, names: Sequence[str] = SIGNALS,
                      grid: Sequence[float] = GRID, floors: dict[str, float] | None = None) -> tuple[Weights, float]:
    """``floors``: set name → lowest fitting-half top-1 a candidate may give that set (so that one set's
    gain is not bought with another's loss)."""
    floors = floors or {}

    def ok(w: Weights) -> bool:
        return all(s.top1(w) >= floors[s.name] - 1e-9 for s in sets if s.name in floors)

    best_w, best = start, mean_top1(sets, start)
    changed = True
    while changed:
        changed = False
        for name in names:
            for v in grid:
                cand = replace(best_w, **{name: float(v)})
                if cand.total <= 0:
                    continue
                score = mean_top1(sets, cand)
                if score > best + 1e-9 and ok(cand):
                    best_w, best, changed = cand, score, True
    return best_w, best


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("datasets", type=Path)
    ap.add_argument("--sets", nargs="+", default=["stackfaq-en", "clinc150-en", "banking77-en"])
    ap.add_argument("--signals", nargs="+", default=list(SIGNALS), choices=SIGNALS,
                    help="the weights the search may change (the others keep the start set's values)")
    ap.add_argument("--japanese", action="store_true",
                    help="fit the Japanese set (start: ranker.JAPANESE; e.g. --sets localgovfaq-ja)")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="start value of one weight (e.g. phrase_readings=0.3)")
    ap.add_argument("--floor", action="append", default=[], metavar="SET=TOP1",
                    help="a set's fitting-half top-1 may not fall below this")
    args = ap.parse_args(argv)
    sets = [fit_set(args.datasets, n, japanese=args.japanese) for n in args.sets]
    if args.japanese:
        start = replace(JAPANESE, **{k: float(v) for k, v in (a.split("=") for a in args.set)})
        print("JAPANESE", {s.name: round(s.top1(JAPANESE), 4) for s in sets}, round(mean_top1(sets, JAPANESE), 4))
        for name in args.signals:
            alone = replace(Weights(**{k: 0.0 for k in SIGNALS}), **{name: 1.0})
            print(f"{name} alone", {s.name: round(s.top1(alone), 4) for s in sets})
        print("start", {s.name: round(s.top1(start), 4) for s in sets}, round(mean_top1(sets, start), 4))
        floors = {k: float(v) for k, v in (a.split("=") for a in args.floor)}
        w, score = coordinate_ascent(sets, start, names=args.signals, floors=floors)
        print("fitted", {s.name: round(s.top1(w), 4) for s in sets}, round(score, 4))
        print(w)
        return 0
    lexical = Weights()
    print("lexical (latin)", {s.name: round(s.top1(lexical), 4) for s in sets}, round(mean_top1(sets, lexical), 4))
    for name in ("entry_embed", "phrase_embed"):
        alone = Weights(**{k: 0.0 for k in SIGNALS}, **{})
        alone = replace(alone, **{name: 1.0})
        print(f"{name} alone", {s.name: round(s.top1(alone), 4) for s in sets}, round(mean_top1(sets, alone), 4))
    print("LATIN_EMBED", {s.name: round(s.top1(LATIN_EMBED), 4) for s in sets}, round(mean_top1(sets, LATIN_EMBED), 4))
    w, score = coordinate_ascent(sets, LATIN_EMBED, names=args.signals)
    print("fitted", {s.name: round(s.top1(w), 4) for s in sets}, round(score, 4))
    print(w)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
