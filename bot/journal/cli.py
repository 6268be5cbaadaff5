"""`madoguchi export journal`: approved expenses and payments as journal rows for accounting.

    madoguchi export journal --from 2026-11-01 --to 2026-11-30 --format freee --out 2026-11.csv
    madoguchi export journal --from 2026-11-01 --to 2026-11-30 --format mf --out 2026-11-mf.csv --again

Each request goes over once: rows already exported are left out of the next export of the same days unless
--again. The file is written next to --out and put in place only once the rows are recorded as exported, so
an interrupted export leaves neither a file nor a mark."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.cli_args import days
from bot.config.journal import JOURNAL_FORMATS


def add(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="export_command", required=True)
    p = sub.add_parser("journal", help="approved expenses and payments as journal rows (仕訳) for freee 会計, "
                                       "マネーフォワード クラウド会計 or a plain CSV")
    days(p, " (発生日)")
    p.add_argument("--format", choices=JOURNAL_FORMATS, required=True,
                   help="freee (取引インポート), mf (仕訳帳インポート) or csv")
    p.add_argument("--out", type=Path, required=True, help="the CSV to write (UTF-8 with a byte-order mark)")
    p.add_argument("--again", action="store_true", help="include requests an earlier export already carried")
    p.add_argument("--by", default=os.environ.get("USER") or "admin", help="who exports, for the record")
    p.set_defaults(func=cmd_journal)


def cmd_journal(args: argparse.Namespace) -> int:
    from bot.config import load_workspace
    from bot.journal.formats import render
    from bot.journal.rows import approved_rows, mark
    from bot.settings import load_settings
    from models.db import make_engine, make_session_factory

    if args.end < args.start:
        print("madoguchi export journal: --to is before --from", file=sys.stderr)
        return 2
    settings = load_settings()
    config = load_workspace(settings.madoguchi_config)
    if not any(rt.journal for rt in config.request_types):
        print("madoguchi export journal: no request type has a `journal:` mapping in the config "
              "(see docs/JOURNAL.md)", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    tmp = args.out.with_name(f".{args.out.name}.{os.getpid()}.tmp")
    try:
        with make_session_factory(engine)() as session, session.begin():
            rows = approved_rows(session, config, args.start, args.end, again=args.again)
            tmp.write_text(render(args.format, rows, config.calendar.timezone), encoding="utf-8-sig", newline="")
            new = mark(session, rows, fmt=args.format, by=args.by, at=datetime.now(UTC)) if rows else 0
        os.replace(tmp, args.out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        engine.dispose()
    again = sum(1 for r in rows if r.exported_before)
    note = f" ({again} exported before, included by --again)" if again else ""
    print(f"{args.out}: {len(rows)} row(s) for {args.start} – {args.end}, {args.format}{note}; {new} newly marked")
    if not rows and not args.again:
        print("nothing new to hand over; --again includes requests an earlier export carried", file=sys.stderr)
    return 0
