"""`madoguchi receipts`: the receipts and invoices kept under 電子帳簿保存法.

    madoguchi receipts search --from 2026-11-01 --to 2026-11-30 --min 10000 --max 50000 --counterparty 東海 [--json]
    madoguchi receipts export --from 2026-04-01 --to 2027-03-31 --out FY2026.zip
    madoguchi receipts verify FY2026.zip

Dates are 取引年月日 (both ends included); amounts are 税込 yen; --counterparty matches a part of the name,
full-width and half-width alike."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.cli_args import day, positive_int
from bot.config.evidence import DOCUMENT_KINDS
from bot.i18n.numbers import parse_amount


def _yen(text: str) -> int:
    amount = parse_amount(text)
    if amount is None or amount != int(amount) or amount < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount in yen (e.g. 30000, ¥30,000)")
    return int(amount)


def add(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="receipts_command", required=True)
    p = sub.add_parser("search", help="records by 取引年月日, 取引金額 and 取引先 (ranges, any combination)")
    _criteria_arguments(p)
    p.add_argument("--all-versions", action="store_true", help="also the versions a correction replaced")
    p.add_argument("--limit", type=positive_int, default=100,
                   help="at most this many records, oldest first (default 100; `export` gives every one)")
    p.add_argument("--json", action="store_true", help="print the records as JSON")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("export", help="a ZIP for a tax officer: index.csv, the files, a manifest of their hashes")
    _criteria_arguments(p)
    p.add_argument("--all-versions", action="store_true", help="also the versions a correction replaced")
    p.add_argument("--out", required=True, type=Path, help="the ZIP to write")
    p.set_defaults(func=cmd_export)

    for name, verb in (("hold", "place a legal hold on"), ("release", "lift the legal hold from")):
        p = sub.add_parser(name, help=f"{verb} a request's receipt records (kept past their retention end while "
                                      "held)")
        p.add_argument("ticket", help="the request's number, e.g. FIN-0042")
        p.add_argument("--reason", required=True, help="why (the audit or dispute), kept in the audit trail")
        p.add_argument("--by", default=os.environ.get("USER") or "admin",
                       help="who, for the audit trail (default: $USER)")
        p.set_defaults(func=cmd_hold, hold=name)
    p = sub.add_parser("holds", help="the requests whose receipts are on legal hold")
    p.add_argument("--json", action="store_true", help="print them as JSON")
    p.set_defaults(func=cmd_holds)

    p = sub.add_parser("verify", help="re-check an export's files against its manifest; non-zero naming each "
                                      "missing, unlisted or changed file")
    p.add_argument("zip", type=Path, help="the ZIP that `receipts export` wrote")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_verify)


def _criteria_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="date_from", type=day, help="取引年月日 from (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", type=day, help="取引年月日 to, included")
    p.add_argument("--min", dest="amount_min", type=_yen, help="取引金額 from (yen, tax included)")
    p.add_argument("--max", dest="amount_max", type=_yen, help="取引金額 up to, included")
    p.add_argument("--counterparty", help="取引先: a part of the name")
    p.add_argument("--number", dest="invoice_number", help="登録番号 (T + 13 digits)")
    p.add_argument("--kind", choices=DOCUMENT_KINDS, help="書類区分")
    p.add_argument("--ticket", help="the request's number, e.g. FIN-0042")


def _criteria(args: argparse.Namespace) -> Any:
    from bot.receipts.search import Criteria

    criteria = Criteria(date_from=args.date_from, date_to=args.date_to, amount_min=args.amount_min,
                        amount_max=args.amount_max, counterparty=args.counterparty,
                        invoice_number=args.invoice_number, kind=args.kind, ticket=args.ticket,
                        all_versions=args.all_versions)
    for problem in criteria.problems():
        raise SystemExit(f"madoguchi receipts: {problem}")
    return criteria


@contextmanager
def _database() -> Iterator[tuple[Any, Any]]:
    """(session factory, evidence store) for DATABASE_URL and the config's `evidence`; the engine is disposed after."""
    from bot.config import load_workspace
    from bot.receipts.storage import evidence_store
    from bot.settings import load_settings
    from models.db import make_engine, make_session_factory

    settings = load_settings()
    config = load_workspace(settings.madoguchi_config)
    engine = make_engine(settings.database_url)
    try:
        yield make_session_factory(engine), evidence_store(config.evidence)
    finally:
        engine.dispose()


def cmd_search(args: argparse.Namespace) -> int:
    from bot.receipts.search import search

    criteria = _criteria(args)
    with _database() as (sessions, _), sessions() as session:
        found = search(session, criteria, limit=args.limit + 1)
    more = len(found) > args.limit
    found = found[:args.limit]
    if args.json:
        print(json.dumps([f.as_dict() for f in found], ensure_ascii=False, indent=2))
        return 0
    for f in found:
        files = ", ".join(x.name for x in f.files)
        late = "  入力期間超過" if f.late else ""
        print(f"{f.transaction_date}  ¥{f.amount:>12,}  {f.counterparty}  {f.invoice_number or '-'}  {f.ticket_number}"
              f" v{f.version}  [{files}]{late}")
    print(f"{len(found)} record(s)" + ("; more match (raise --limit, narrow the search, or export them)"
                                        if more else ""), file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from bot.receipts.export import export
    from bot.receipts.storage import EvidenceTampered

    criteria = _criteria(args)
    try:
        with _database() as (sessions, store), sessions() as session:
            done = export(session, store, criteria, args.out, now=datetime.now(UTC))
    except EvidenceTampered as exc:
        print(f"madoguchi receipts export: stopped: the kept file {exc.sha256} no longer matches its hash "
              "(run `madoguchi audit verify`)", file=sys.stderr)
        return 1
    print(f"{args.out}: {done.records} record(s), {done.files} file(s), {done.bytes:,} bytes")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from bot.receipts.export import verify

    problems = verify(args.zip)
    if args.json:
        print(json.dumps({"ok": not problems, "problems": [vars(p) for p in problems]}, ensure_ascii=False, indent=2))
    elif not problems:
        print(f"{args.zip}: every file matches its manifest")
    else:
        for p in problems:
            print(f"{args.zip}: {p.name}: {p.problem}", file=sys.stderr)
    return 0 if not problems else 1


def cmd_hold(args: argparse.Namespace) -> int:
    from bot.receipts import holds

    step = holds.place if args.hold == "hold" else holds.release
    try:
        with _database() as (sessions, _), sessions() as session, session.begin():
            ticket = step(session, args.ticket, actor=f"cli:{args.by}", reason=args.reason, now=datetime.now(UTC))
    except holds.HoldProblem as exc:
        print(f"madoguchi receipts {args.hold}: {exc}", file=sys.stderr)
        return 1
    print(f"{ticket.number}: {'on legal hold' if args.hold == 'hold' else 'legal hold lifted'}")
    return 0


def cmd_holds(args: argparse.Namespace) -> int:
    from bot.receipts import holds

    with _database() as (sessions, _), sessions() as session:
        held = holds.active(session)
    if args.json:
        print(json.dumps([{"ticket": h.ticket, "since": h.since.isoformat(), "by": h.by, "reason": h.reason}
                          for h in held], ensure_ascii=False, indent=2))
    else:
        for h in held:
            print(f"{h.ticket}  since {h.since:%Y-%m-%d}  by {h.by}  {h.reason}")
    return 0
