"""Evaluation on the shared JSONL format, with honest threshold fitting.

Queries are split in two seeded halves (in-scope and out-of-scope shuffled separately, so both halves
have the same mix).  Tier thresholds are fitted on the ``fit`` half only; every reported metric comes
from the other, ``report`` half.  Ranking metrics (top-1, recall@3, MRR) are over in-scope queries; a
hit is any id in ``gold_ids``; an out-of-scope query answered with tier "answer" is a false answer.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from faq.engine import FaqDoc, FaqEngine, Thresholds
from faq.formats import Query, load_docs, load_queries
from faq.normalize import has_japanese
from faq.ranker import Weights, WeightSet

# A ranking function: query text -> [(entry id, score)] best first.
RankFn = Callable[[str], Sequence[tuple[str, float]]]

# Fitting policy (issue 13, the employee's outcome): answer as many in-scope questions directly as
# possible while at most MAX_FIT_OOS_ANSWER_RATE of the fitting half's out-of-scope queries are answered
# and at least MIN_ANSWERED_ACCURACY of the answers are right (a wrong entry or an out-of-scope answer
# is wrong).  Ties: the more accurate setting.  The cap is 3 %, below the 5 % the employee is promised: a
# fitting half holds few out-of-scope queries (25 to 500), and capped at 5 % there StackFAQ's report half
# answered 6.4 % of its out-of-scope queries; at 3 % it answers 0.8 % (CLINC150 3.0 %), at the cost of
# 4 points of StackFAQ's answer rate (bench/faq.py --sets … --split report).
MAX_FIT_OOS_ANSWER_RATE = 0.03
MIN_ANSWERED_ACCURACY = 0.90
# A suggestion that cannot help (out of scope, or the right entry not among the buttons) costs this much.
USELESS_SUGGESTION_COST = 0.5
RANK_DEPTH = 10  # MRR is computed over the first 10 results


@dataclass(frozen=True)
class Outcome:
    """One query's ranked result, reduced to what the metrics need."""

    in_scope: bool
    rank: int | None  # 1-based rank of the first gold id within RANK_DEPTH, None if absent
    top: float
    second: float
    ms: float
    japanese: bool = False  # the query has kana or kanji: its script's thresholds apply
    answerable: bool = True  # False: never answered directly, whatever the score (faq.scope)

    @property
    def hit1(self) -> bool:
        return self.rank == 1

    @property
    def hit3(self) -> bool:
        return self.rank is not None and self.rank <= 3


def split_halves(queries: Sequence[Query], seed: int = 0) -> tuple[list[int], list[int]]:
    """Indices of the fitting half and the reporting half (each scope class split separately)."""
    rng = random.Random(seed)
    fit: list[int] = []
    report: list[int] = []
    for in_scope in (True, False):
        idx = [i for i, q in enumerate(queries) if q.in_scope == in_scope]
        rng.shuffle(idx)
        half = (len(idx) + 1) // 2
        fit.extend(idx[:half])
        report.extend(idx[half:])
    return sorted(fit), sorted(report)


def run_queries(queries: Sequence[Query], rank: RankFn) -> list[Outcome]:
    """``rank`` may also have an ``answerable(text) -> bool`` method (``engine_rank_fn``): a query it refuses
    is never answered directly, in the fit as in the metrics."""
    answerable = getattr(rank, "answerable", None)
    out: list[Outcome] = []
    for q in queries:
        t0 = time.perf_counter()
        ranked = list(rank(q.query))[:RANK_DEPTH]
        ms = (time.perf_counter() - t0) * 1000.0
        gold = set(q.gold_ids)
        pos = next((i + 1 for i, (doc_id, _) in enumerate(ranked) if doc_id in gold), None)
        top = ranked[0][1] if ranked else 0.0
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        out.append(Outcome(q.in_scope, pos, float(top), float(second), ms, has_japanese(q.query),
                           answerable(q.query) if answerable is not None else True))
    return out


def _tier(o: Outcome, th: Thresholds) -> str:
    t = th.japanese if o.japanese and th.japanese is not None else th
    tier = t.tier([o.top, o.second])
    return "suggest" if tier == "answer" and not o.answerable else tier


def fit_thresholds_per_script(outcomes: Sequence[Outcome]) -> Thresholds:
    """``fit_thresholds`` separately for Latin-script and Japanese queries (their weight sets, so their
    score scales, differ); a set with one script gets the same cut-offs for both."""
    ja = [o for o in outcomes if o.japanese]
    latin = [o for o in outcomes if not o.japanese]
    if not ja or not latin:
        th = fit_thresholds(outcomes)
        return replace(th, japanese=th)
    return replace(fit_thresholds(latin), japanese=fit_thresholds(ja))


def fit_thresholds(outcomes: Sequence[Outcome]) -> Thresholds:
    """Choose (answer, margin, suggest) on the fitting half.

    answer/margin: maximise the in-scope queries answered, subject to answering at most
    MAX_FIT_OOS_ANSWER_RATE of out-of-scope queries with at least MIN_ANSWERED_ACCURACY of the answers right.
    suggest: maximise useful suggestions (gold in the top 3) − USELESS_SUGGESTION_COST × useless ones,
    among queries that did not get an answer.
    """
    if not outcomes:
        return Thresholds()
    tops = np.array([o.top for o in outcomes])
    margins = np.array([o.top - o.second for o in outcomes])
    right = np.array([o.in_scope and o.hit1 for o in outcomes])
    oos = np.array([not o.in_scope for o in outcomes])
    useful = np.array([o.in_scope and o.hit3 for o in outcomes])
    allowed = np.array([o.answerable for o in outcomes])
    n_oos = int(oos.sum())
    grid = np.unique(np.round(np.quantile(tops, np.linspace(0, 1, 101)), 4))
    best: tuple[float, float, float, float] = (0.0, 1.0, 1.01, 0.0)  # (answered in scope, accuracy, t, m)
    for margin in (0.0, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.15, 0.2):
        for t in (*grid, 1.01):
            answered = (tops >= t) & (margins >= margin) & allowed
            n_answered = int(answered.sum())
            if not n_answered:
                continue
            if n_oos and (answered & oos).sum() > MAX_FIT_OOS_ANSWER_RATE * n_oos:
                continue
            accuracy = (answered & right).sum() / n_answered
            if accuracy < MIN_ANSWERED_ACCURACY:
                continue
            key = (float((answered & ~oos).sum()), float(accuracy))
            if key > best[:2]:
                best = (*key, float(t), margin)
    _, _, t_answer, margin = best
    answered = (tops >= t_answer) & (margins >= margin) & allowed
    rest = ~answered
    best_s: tuple[float, float] = (-np.inf, t_answer)
    for t in grid:
        if t > t_answer:
            continue
        shown = rest & (tops >= t)
        gain = (shown & useful).sum() - USELESS_SUGGESTION_COST * (shown & ~useful).sum()
        if gain > best_s[0]:
            best_s = (float(gain), float(t))
    return Thresholds(answer=t_answer, suggest=min(best_s[1], t_answer), margin=margin)


def metrics(outcomes: Sequence[Outcome], th: Thresholds) -> dict[str, Any]:
    ins = [o for o in outcomes if o.in_scope]
    oos = [o for o in outcomes if not o.in_scope]
    tiers = [_tier(o, th) for o in outcomes]
    answered = [(o, t) for o, t in zip(outcomes, tiers, strict=True) if t == "answer"]
    ms = np.array([o.ms for o in outcomes]) if outcomes else np.zeros(1)

    def rate(num: float, den: int) -> float | None:
        return round(num / den, 4) if den else None

    return {
        "n": len(outcomes),
        "top1": rate(sum(o.hit1 for o in ins), len(ins)),
        "recall_at_3": rate(sum(o.hit3 for o in ins), len(ins)),
        "mrr": rate(sum(1.0 / o.rank for o in ins if o.rank), len(ins)),
        "oos_n": len(oos),
        "oos_false_answer_rate": rate(sum(_tier(o, th) == "answer" for o in oos), len(oos)),
        "in_scope_answer_rate": rate(sum(_tier(o, th) == "answer" for o in ins), len(ins)),
        "answered_accuracy": rate(sum(o.in_scope and o.hit1 for o, _ in answered), len(answered)),
        "suggest_rate": rate(tiers.count("suggest"), len(outcomes)),
        "none_rate": rate(tiers.count("none"), len(outcomes)),
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
    }


def evaluate_rank_fn(
    queries: Sequence[Query], rank: RankFn, *, build_s: float = 0.0, seed: int = 0
) -> dict[str, Any]:
    """Fit thresholds on one half, report on the other; also the fitting half's ranking for tuning."""
    outcomes = run_queries(queries, rank)
    fit_idx, report_idx = split_halves(queries, seed)
    fit = [outcomes[i] for i in fit_idx]
    report = [outcomes[i] for i in report_idx]
    th = fit_thresholds_per_script(fit)
    result = metrics(report, th)
    result["build_s"] = round(build_s, 3)
    result["split"] = (
        f"seed {seed}: thresholds fitted on {len(fit)} queries, metrics on the other {len(report)}"
    )
    result["thresholds"] = {"answer": th.answer, "suggest": th.suggest, "margin": th.margin}
    if th.japanese is not None and th.japanese != replace(th, japanese=None):
        result["thresholds"]["japanese"] = {"answer": th.japanese.answer, "suggest": th.japanese.suggest,
                                            "margin": th.japanese.margin}
    fit_m = metrics(fit, th)
    result["fit_half"] = {k: fit_m[k] for k in ("top1", "recall_at_3", "mrr", "oos_false_answer_rate")}
    return result


class _EngineRank:
    def __init__(self, engine: FaqEngine) -> None:
        self.engine = engine
        self.answerable = engine.answerable

    def __call__(self, text: str) -> list[tuple[str, float]]:
        return [(m.id, m.score) for m in self.engine.ask(text, k=RANK_DEPTH).matches]


def engine_rank_fn(engine: FaqEngine) -> RankFn:
    """The engine as a RankFn, with its ``answerable`` guard (see ``run_queries``)."""
    return _EngineRank(engine)


_PLACEHOLDER = re.compile(r"^\[placeholder answer")


def without_placeholder_answers(docs: Sequence[FaqDoc]) -> list[FaqDoc]:
    """CLINC150 and BANKING77 have no answers; their placeholder text names the intent, which would leak
    the label into the answer signal, so it is dropped (the README says: match on question/variants)."""
    return [replace(d, answer="") if _PLACEHOLDER.match(d.answer) else d for d in docs]


def evaluate_docs(
    docs: Sequence[FaqDoc], queries: Sequence[Query], *, seed: int = 0, weights: Weights | WeightSet | None = None,
    synonyms: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    t0 = time.perf_counter()
    engine = FaqEngine.build(docs, weights=weights, synonyms=synonyms)
    build_s = time.perf_counter() - t0
    engine.ask("warm up")  # the first Japanese query loads the Sudachi dictionary
    engine.ask("準備")
    return evaluate_rank_fn(queries, engine_rank_fn(engine), build_s=build_s, seed=seed)


def evaluate(faq_path: str | Path, queries_path: str | Path, *, seed: int = 0,
             weights: Weights | WeightSet | None = None) -> dict[str, Any]:
    """Build the engine on ``faq_path`` and evaluate it on ``queries_path`` (see module docstring)."""
    docs = without_placeholder_answers(load_docs(faq_path))
    return evaluate_docs(docs, load_queries(queries_path), seed=seed, weights=weights)
