import pytest

from faq.engine import Thresholds
from faq.eval import Outcome, fit_thresholds, metrics, run_queries, split_halves
from faq.formats import Query

# Four in-scope queries and two out-of-scope ones, with hand-written rankings.
QUERIES = [
    Query("q1", ("a",)),  # rank 1
    Query("q2", ("b", "x")),  # gold "x" at rank 1 (any gold id counts)
    Query("q3", ("c",)),  # rank 2
    Query("q4", ("d",)),  # not in the top 10
    Query("o1", ()),
    Query("o2", ()),
]
RANKED = {
    "q1": [("a", 0.9), ("b", 0.2)],
    "q2": [("x", 0.8), ("b", 0.7)],
    "q3": [("z", 0.5), ("c", 0.4), ("y", 0.1)],
    "q4": [("z", 0.3)],
    "o1": [("a", 0.7), ("b", 0.1)],
    "o2": [("a", 0.2)],
}


def test_metrics_hand_computed() -> None:
    outcomes = run_queries(QUERIES, lambda q: RANKED[q])
    m = metrics(outcomes, Thresholds(answer=0.6, suggest=0.25, margin=0.0))
    assert m["n"] == 6 and m["oos_n"] == 2
    assert m["top1"] == pytest.approx(2 / 4, abs=1e-4)
    assert m["recall_at_3"] == pytest.approx(3 / 4, abs=1e-4)
    assert m["mrr"] == pytest.approx((1 + 1 + 0.5 + 0) / 4, abs=1e-4)
    # answered: q1 (0.9, right), q2 (0.8, right), o1 (0.7, out of scope) -> 3 answers, 2 right
    assert m["oos_false_answer_rate"] == pytest.approx(1 / 2, abs=1e-4)
    assert m["in_scope_answer_rate"] == pytest.approx(2 / 4, abs=1e-4)
    assert m["answered_accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    # suggest: q3 (0.5), q4 (0.3) ; none: o2 (0.2)
    assert m["suggest_rate"] == pytest.approx(2 / 6, abs=1e-4) and m["none_rate"] == pytest.approx(1 / 6, abs=1e-4)


def test_margin_turns_close_calls_into_suggestions() -> None:
    outcomes = run_queries(QUERIES, lambda q: RANKED[q])
    m = metrics(outcomes, Thresholds(answer=0.6, suggest=0.25, margin=0.2))
    assert m["in_scope_answer_rate"] == pytest.approx(1 / 4, abs=1e-4)  # q2 (0.8 vs 0.7) is no longer answered


def test_split_halves_is_seeded_and_stratified() -> None:
    queries = [Query(f"i{i}", ("a",)) for i in range(10)] + [Query(f"o{i}", ()) for i in range(4)]
    fit, report = split_halves(queries, seed=0)
    assert split_halves(queries, seed=0) == (fit, report)
    assert sorted(fit + report) == list(range(14)) and not set(fit) & set(report)
    assert sum(not queries[i].in_scope for i in fit) == 2


def test_fit_thresholds_keeps_out_of_scope_below_answer() -> None:
    right = [Outcome(True, 1, 0.9 - i * 0.01, 0.1, 1.0) for i in range(10)]
    oos = [Outcome(False, None, 0.5 - i * 0.01, 0.1, 1.0) for i in range(10)]
    th = fit_thresholds(right + oos)
    assert 0.5 < th.answer <= 0.81
    assert th.suggest <= th.answer


def test_fit_answers_the_most_in_scope_queries_at_90_percent_accuracy() -> None:
    from faq.eval import MIN_ANSWERED_ACCURACY

    # 20 in-scope queries, scores falling; every 5th (first 10) or 10th (rest) is wrong; out of scope far below.
    ins = [Outcome(True, 2 if i in (4, 9, 14, 19) else 1, 0.9 - i * 0.02, 0.0, 1.0) for i in range(20)]
    oos = [Outcome(False, None, 0.2, 0.0, 1.0) for _ in range(20)]
    th = fit_thresholds(ins + oos)
    answered = [o for o in ins if o.top >= th.answer]
    right = sum(o.hit1 for o in answered)
    assert right / len(answered) >= MIN_ANSWERED_ACCURACY
    # The first wrong one is the 5th: after it accuracy is at most 0.8 (4/5, 8/10, 12/15, 16/20), so
    # only the four above it may be answered, however many more answers a lower cut-off would give.
    assert len(answered) == 4


def test_thresholds_are_fitted_per_script() -> None:
    from faq.eval import fit_thresholds_per_script

    latin = [Outcome(True, 1, 0.8, 0.1, 1.0)] * 5 + [Outcome(False, None, 0.5, 0.1, 1.0)] * 5
    ja = [Outcome(True, 1, 0.5, 0.1, 1.0, True)] * 5 + [Outcome(False, None, 0.3, 0.1, 1.0, True)] * 5
    th = fit_thresholds_per_script(latin + ja)
    assert th.japanese is not None and th.japanese.answer < 0.5 < th.answer
    assert metrics(latin + ja, th)["in_scope_answer_rate"] == 1.0


class _Guarded:
    """A RankFn with the engine's ``answerable`` guard: "o1" may not be answered whatever its score."""

    def __call__(self, q: str) -> list[tuple[str, float]]:
        return RANKED[q]

    def answerable(self, q: str) -> bool:
        return q != "o1"


def test_an_unanswerable_query_is_suggested_and_does_not_hold_the_threshold_up() -> None:
    outcomes = run_queries(QUERIES, _Guarded())
    m = metrics(outcomes, Thresholds(answer=0.6, suggest=0.25, margin=0.0))
    assert m["oos_false_answer_rate"] == 0.0  # o1 (0.7) is shown as a suggestion instead
    assert m["suggest_rate"] == pytest.approx(3 / 6, abs=1e-4)
    # Fitted: without the guard o1 (0.7) forces the answer threshold above 0.7; with it q1 and q2 answer
    # down to 0.8 and nothing bars a lower one.
    unguarded = fit_thresholds(run_queries(QUERIES, lambda q: RANKED[q]))
    guarded = fit_thresholds(outcomes)
    assert unguarded.answer > 0.7
    assert guarded.answer <= 0.7
