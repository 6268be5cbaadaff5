"""`madoguchi digest --dry-run [--json] [--at ISO]`: the weekly digest printed, not posted.
Without --dry-run it posts this week's digest through the outbox — once: a second run (or the
scheduler) finds the week already claimed."""

from __future__ import annotations

import argparse
import json
import sys

from bot.cli_args import instant


def add(p: argparse.ArgumentParser) -> None:
    """`digest`'s options, on the parser bot/cli.py made for it."""
    p.add_argument("--dry-run", action="store_true", help="print the digest instead of posting it")
    p.add_argument("--json", action="store_true", help="with --dry-run: the numbers as JSON")
    p.add_argument("--at", help="pretend it is this instant (ISO 8601 with offset); default now")
    p.add_argument("--chart", metavar="PNG", help="with --dry-run: also write the chart to this file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.composition import build_services
    from bot.digest.post import post_if_due, render
    from bot.digest.view import digest_plain
    from bot.settings import load_settings

    services = build_services(load_settings())
    try:
        try:
            now = instant(args.at, services.calendar.tz) if args.at else services.clock.now()
        except ValueError as exc:
            print(f"madoguchi digest: --at {args.at!r}: {exc}", file=sys.stderr)
            return 2
        if not args.dry_run:
            print(post_if_due(services, now))
            services.dispatcher.drain()
            return 0
        with services.session_factory() as session:
            rendered = render(session, services, now)
        if args.chart:
            with open(args.chart, "wb") as out:
                out.write(rendered.chart)
        if args.json:
            print(json.dumps({"digest": rendered.digest.as_dict(), "text": rendered.text, "blocks": rendered.blocks},
                             ensure_ascii=False, indent=2, default=str))
        else:
            print(digest_plain(rendered.blocks))
        return 0
    finally:
        services.close()
