"""`madoguchi route`: which department gets this text? Also `--eval FILE` for the labelled set.

    madoguchi route "VPNにつながりません" --json
    {"department": "it", "confidence": 0.63, "reasons": ["keywords it: VPN"]}

The FAQ signal comes from the bundled default knowledge base (`--faq default`), a YAML/JSONL KB
(`--faq FILE`), or nothing (`--faq none`); the bot itself uses the live KB in the database."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any


def add(p: argparse.ArgumentParser) -> None:
    """`route`'s options, on the parser bot/cli.py made for it."""
    p.add_argument("text", nargs="?", help="the inquiry text")
    p.add_argument("--eval", dest="eval_file", metavar="FILE",
                   help='JSONL of {"text", "department"} (e.g. tests/data/routing/inquiries.jsonl): print accuracy')
    p.add_argument("--split", help="with --eval: only rows whose split is this (dev / test)")
    p.add_argument("--faq", default="default", help="default | none | a KB file (YAML, CSV, JSONL)")
    p.add_argument("--config", help="workspace config file (default: $MADOGUCHI_CONFIG or the bundled example)")
    p.add_argument("--json", action="store_true", help="print the decision (or the evaluation) as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.config import ConfigError, load_workspace
    from bot.settings import load_settings

    try:
        config = load_workspace(Path(args.config) if args.config else load_settings().madoguchi_config)
    except ConfigError as exc:
        print(f"madoguchi: {exc}", file=sys.stderr)
        return 1
    if not args.text and not args.eval_file:
        print("madoguchi route: give a TEXT or --eval FILE", file=sys.stderr)
        return 2
    neighbours, model = signals(args.faq, config)
    if args.eval_file:
        return evaluate(args, config, neighbours, model)
    from bot.routing import route

    decision = route(args.text, config, neighbours(args.text), model)
    if args.json:
        print(json.dumps(decision.as_dict(), ensure_ascii=False))
    else:
        department = config.department(decision.department)
        name = department.name.get("ja") if department else decision.department
        print(f"{decision.department} ({name}), confidence {decision.confidence:.2f}")
        for reason in decision.reasons:
            print(f"  - {reason}")
    return 0


def signals(source: str, config: Any):  # type: ignore[no-untyped-def]
    """(FAQ neighbours function, department model) for the KB named by --faq."""
    from bot.routing.model import DepartmentModel, training_examples

    if source == "none":
        return (lambda text: []), DepartmentModel.train(training_examples(config))
    from bot.faqdesk.index import synonyms_for
    from faq.data import default_kb_path
    from faq.engine import FaqEngine
    from faq.formats import load_docs

    docs = load_docs(default_kb_path() if source == "default" else source)
    engine = FaqEngine.build(docs, synonyms=synonyms_for(config))

    def neighbours(text: str) -> list[tuple[str, float]]:
        totals: Counter[str] = Counter()
        for match in engine.ask(text, k=5).matches:
            if match.department:
                totals[match.department] += match.score
        return totals.most_common()

    return neighbours, DepartmentModel.train(training_examples(config, docs))


def evaluate(args: argparse.Namespace, config: Any, neighbours: Any, model: Any) -> int:
    from bot.routing import route

    rows = [json.loads(line) for line in Path(args.eval_file).read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.split:
        rows = [r for r in rows if r.get("split") == args.split]
    misses = []
    per_department: dict[str, list[int]] = {}
    started = time.perf_counter()
    for row in rows:
        decision = route(row["text"], config, neighbours(row["text"]), model)
        ok = decision.department == row["department"]
        per_department.setdefault(row["department"], [0, 0])
        per_department[row["department"]][0] += ok
        per_department[row["department"]][1] += 1
        if not ok:
            misses.append({"text": row["text"], "expected": row["department"], "got": decision.department,
                           "reasons": decision.reasons})
    elapsed_ms = (time.perf_counter() - started) * 1000 / max(1, len(rows))
    n = len(rows)
    result = {
        "n": n,
        "accuracy": round((n - len(misses)) / n, 4) if n else 0.0,
        "by_department": {d: round(ok / total, 4) for d, (ok, total) in sorted(per_department.items())},
        "faq": args.faq,
        "mean_ms": round(elapsed_ms, 2),
        "misses": misses,
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(f"{n} inquiries, accuracy {result['accuracy']:.1%} (FAQ signal: {args.faq})")
        for dept, acc in result["by_department"].items():
            print(f"  {dept:16} {acc:.0%}")
        for miss in misses:
            print(f"  ✗ {miss['text']}  expected {miss['expected']}, got {miss['got']}  {miss['reasons']}")
    return 0
