"""`madoguchi audit export`: the audit trail (証跡) for an auditor, as CSV or JSON.

Dates are calendar days in the workspace's time zone, both ends included. Each row carries its
hash and the previous event's hash, so the export can be checked against `audit verify`; the
CSV starts with a UTF-8 byte-order mark because that is what makes Excel read Japanese correctly.

An auditor can recompute every hash from the rows alone: sha256 of the JSON object {id, ticket_id,
subject, actor_id, on_behalf_of (= on_behalf_of_id), action, before, after, reason, at, prev_hash}, plus
seq when it differs from id, with sorted keys, no spaces, UTF-8 (bot.audit.canonical); an empty CSV cell
stands for null, and `before`/`after` cells hold JSON. Rows come in chain order (seq); events not sealed
yet are sealed first. With --output the file appears only once the export is complete."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cli_args import days
from models import AuditEvent, Ticket

COLUMNS = ("id", "seq", "at", "at_local", "ticket", "ticket_id", "subject", "action", "actor_id", "actor",
           "on_behalf_of_id", "on_behalf_of", "before", "after", "reason", "prev_hash", "hash")


def window(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in `tz`."""
    return (datetime.combine(start, time(), tz), datetime.combine(end + timedelta(days=1), time(), tz))


def rows(session: Session, start: datetime, end: datetime, *, tz: ZoneInfo, names: dict[str, str],
         batch: int = 2000) -> Iterator[dict[str, Any]]:
    after = 0
    numbers: dict[int, str] = {}
    while True:
        events = list(session.scalars(
            select(AuditEvent).where(AuditEvent.at >= start, AuditEvent.at < end, AuditEvent.seq > after)
            .order_by(AuditEvent.seq).limit(batch)))
        if not events:
            return
        wanted = {e.ticket_id for e in events if e.ticket_id and e.ticket_id not in numbers}
        if wanted:
            # A Result is not a mapping: dict.update() would take its keys() for column names.
            numbers.update({row.id: row.number
                            for row in session.execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_(wanted)))})
        for e in events:
            yield {
                # `at` exactly as hashed (bot.audit.canonical), so the chain can be recomputed from the export.
                "id": e.id, "seq": e.seq, "at": e.at.isoformat(timespec="microseconds"),
                "at_local": e.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                "ticket": numbers.get(e.ticket_id or 0, ""), "ticket_id": e.ticket_id, "subject": e.subject,
                "action": e.action,
                "actor_id": e.actor_id, "actor": names.get(e.actor_id, e.actor_id),
                "on_behalf_of_id": e.on_behalf_of or "",
                "on_behalf_of": names.get(e.on_behalf_of, e.on_behalf_of) if e.on_behalf_of else "",
                "before": e.before, "after": e.after, "reason": e.reason or "", "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
        after = events[-1].seq or 0
        session.expunge_all()


def write_csv(out: TextIO, records: Iterator[dict[str, Any]]) -> int:
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow({k: _cell(v) for k, v in record.items()})
        count += 1
    return count


def write_json(out: TextIO, records: Iterator[dict[str, Any]], header: dict[str, Any]) -> int:
    # Streamed: a year of events need not fit in memory at once.
    out.write(json.dumps(header, ensure_ascii=False)[:-1] + ', "events": [')
    count = 0
    for record in records:
        out.write(("," if count else "") + "\n  " + json.dumps(record, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def add(audit: Any) -> None:
    """`audit export`, added to the `audit` command's subparsers (bot/cli.py)."""
    p = audit.add_parser("export", help="the audit trail between two dates, as CSV or JSON")
    days(p)
    p.add_argument("--format", choices=("csv", "json"), default="csv", help="csv (default) or json")
    p.add_argument("--output", "-o", help="file to write (default: standard output)")
    p.set_defaults(func=export)


def export(args: argparse.Namespace) -> int:
    from bot import audit
    from bot.config import load_workspace
    from bot.settings import load_settings
    from models.db import make_engine, make_session_factory

    if args.end < args.start:
        print("madoguchi: --to is before --from", file=sys.stderr)
        return 2
    settings = load_settings()
    config = load_workspace(settings.madoguchi_config)
    tz = ZoneInfo(config.calendar.timezone)
    names = {p.slack_id: p.name for p in config.org.people if p.slack_id}
    start, end = window(args.start, args.end, tz)
    engine = make_engine(settings.database_url)
    partial = f"{args.output}.partial" if args.output else None
    out: TextIO = open(partial, "w", encoding="utf-8", newline="") if partial else sys.stdout  # noqa: SIM115
    complete = False
    try:
        audit.seal_everything(make_session_factory(engine))
        with make_session_factory(engine)() as session:
            broken = audit.verify(session)
            records = rows(session, start, end, tz=tz, names=names)
            if args.format == "csv":
                count = write_csv(out, records)
            else:
                header = {"from": args.start.isoformat(), "to": args.end.isoformat(), "timezone": str(tz),
                          "chain_intact": broken is None, "first_broken_event": broken and broken.event_id}
                count = write_json(out, records, header)
        complete = True
    finally:
        if partial:
            out.close()
            if complete:
                os.replace(partial, args.output)
            else:
                os.unlink(partial)
        engine.dispose()
    print(f"{count} events exported" + ("" if broken is None else
                                        f"; WARNING: the chain is broken at event {broken.event_id}"), file=sys.stderr)
    return 0



