"""`madoguchi faq ask|eval|import|export`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def _services() -> Any:
    from sqlalchemy import inspect

    from bot.composition import build_services
    from bot.settings import load_settings

    services = build_services(load_settings())
    if not inspect(services.session_factory.kw["bind"]).has_table("faq_entries"):
        services.close()
        # A clear next step instead of a "no such table" traceback on a fresh database.
        print("madoguchi: the database has no FAQ tables yet: run `madoguchi db upgrade` first "
              "(or ask a KB file with `madoguchi faq ask TEXT --kb FILE`)", file=sys.stderr)
        raise SystemExit(2)
    return services


def cmd_ask(args: argparse.Namespace) -> int:
    if args.kb:
        from faq.data import default_synonyms
        from faq.engine import FaqEngine
        from faq.formats import load_docs

        engine = FaqEngine.build(load_docs(args.kb), synonyms=default_synonyms())
        answer = engine.ask(args.text, k=args.k)
    else:
        services = _services()
        answer = services.faq.ask(args.text, k=args.k)
        services.close()
    result = {
        "tier": answer.tier,
        "matches": [{"id": m.id, "question": m.question, "score": m.score, "matched_phrase": m.matched_phrase,
                     "department": m.department} for m in answer.matches],
        "elapsed_ms": round(answer.elapsed_ms, 3),
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(f"tier: {answer.tier}  ({answer.elapsed_ms:.1f} ms)")
        for m in answer.matches:
            print(f"  {m.score:.3f}  {m.id}  {m.question}   ← 「{m.matched_phrase}」")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from faq.eval import evaluate

    result = evaluate(args.faq, args.queries, seed=args.seed)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    else:
        for key, value in result.items():
            print(f"{key:>24}: {value}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from sqlalchemy import update

    from bot.faqdesk import kb
    from faq.formats import FormatError, load_docs
    from models import FaqEntry

    try:
        docs = load_docs(args.file)
    except (FormatError, OSError, ValueError) as exc:
        print(f"madoguchi: cannot import {args.file}: {exc}", file=sys.stderr)
        return 1
    services = _services()
    now = services.clock.now()
    with services.session_factory() as session, session.begin():
        added, updated = kb.upsert(session, docs, source="import", now=now)
        disabled = 0
        if args.replace:
            keep = {d.id for d in docs}
            result = session.execute(update(FaqEntry).where(FaqEntry.id.not_in(keep), FaqEntry.enabled.is_(True))
                                     .values(enabled=False, updated_at=now))
            disabled = int(result.rowcount or 0)
            if disabled:
                kb.bump_revision(session, now)
    services.close()
    summary = {"file": args.file, "added": added, "updated": updated, "disabled": disabled}
    print(json.dumps(summary, ensure_ascii=False) if args.json else
          f"{args.file}: {added} added, {updated} updated, {disabled} disabled")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from bot.faqdesk import kb
    from faq.formats import dump_docs

    services = _services()
    try:
        if services.config.faq.seed_default_kb:  # a new install: the KB the bot would start with, to edit
            kb.seed_default(services.session_factory, services.clock.now())
        with services.session_factory() as session:
            docs = kb.docs(session)
    finally:
        services.close()
    dump_docs(docs, args.file)
    print(f"{args.file}: {len(docs)} entries")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """Self-resolution rate and the questions the FAQ could not settle, for the last --days days."""
    from datetime import timedelta

    from bot.faqdesk import stats

    services = _services()
    end = services.clock.now()
    start = end - timedelta(days=args.days)
    with services.session_factory() as session:
        numbers = stats.numbers(session, start, end)
        backlog = stats.top_unanswered(session, start, end, limit=args.top)
    services.close()
    rate = numbers.self_resolution_rate
    result = {
        "from": start.isoformat(), "to": end.isoformat(), "asked": numbers.asked, "helped": numbers.helped,
        "not_helped": numbers.not_helped, "escalated": numbers.escalated, "no_answer": numbers.no_answer,
        "self_resolution_rate": None if rate is None else round(rate, 4),
        "top_unanswered": [{"text": text, "count": n} for text, n in backlog],
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    shown = "—" if rate is None else f"{rate:.1%}"
    print(f"{start:%Y-%m-%d} – {end:%Y-%m-%d}: {numbers.asked} asked, {numbers.helped} helped, "
          f"{numbers.not_helped} not helped, {numbers.escalated} escalated, {numbers.no_answer} no answer; "
          f"self-resolution {shown}")
    for text, n in backlog:
        print(f"  ×{n}  {text}")
    return 0


def add(parser: argparse.ArgumentParser) -> None:
    """`faq`'s subcommands, on the parser bot/cli.py made for it."""
    faq = parser.add_subparsers(dest="faq_command", required=True)

    p = faq.add_parser("ask", help="ask the FAQ a question (the database KB, or --kb FILE)")
    p.add_argument("text", help="the question, as an employee would type it")
    p.add_argument("--kb", help="ask a KB file (.yaml/.csv/.jsonl) instead of the database")
    p.add_argument("-k", type=int, default=3, help="how many matches (default 3)")
    p.add_argument("--json", action="store_true", help="print the answer, matches and scores as JSON")
    p.set_defaults(func=cmd_ask)

    p = faq.add_parser("eval", help="evaluate matching on a KB and labelled queries (the shared JSONL format)")
    p.add_argument("--faq", required=True, metavar="FILE", help="the KB to match against (.yaml/.csv/.jsonl)")
    p.add_argument("--queries", required=True, metavar="FILE",
                   help="labelled queries (JSONL: the question and the entry id that answers it, or none)")
    p.add_argument("--seed", type=int, default=0, help="seed of the fit/report split")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.set_defaults(func=cmd_eval)

    p = faq.add_parser("import", help="import entries (.yaml/.csv/.jsonl) into the database KB")
    p.add_argument("file", help="the entries to import: .yaml, .csv or .jsonl (as `faq export` writes them)")
    p.add_argument("--replace", action="store_true", help="disable entries that are not in the file")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(func=cmd_import)

    p = faq.add_parser("stats", help="self-resolution rate and the top unanswered questions")
    p.add_argument("--days", type=int, default=7, help="how far back from now (default 7)")
    p.add_argument("--top", type=int, default=10, help="how many unanswered questions (default 10)")
    p.add_argument("--json", action="store_true", help="print the numbers as JSON")
    p.set_defaults(func=cmd_stats)

    p = faq.add_parser("export", help="export the database KB (.yaml/.csv/.jsonl by extension)")
    p.add_argument("file", help="the file to write; its extension (.yaml, .csv, .jsonl) picks the format")
    p.set_defaults(func=cmd_export)
