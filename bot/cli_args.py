"""Argument types shared by `madoguchi`'s commands (bot/cli.py and the features' CLI modules)."""

from __future__ import annotations

import argparse
from datetime import date, datetime, tzinfo


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def instant(text: str, tz: tzinfo) -> datetime:
    """An instant an operator typed (--at): ISO 8601, with an offset or read in `tz`; ValueError saying what
    is accepted otherwise."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("not an ISO 8601 date and time; write e.g. 2026-11-25T09:05+09:00 "
                         "(without an offset, the company's time zone)") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=tz)


def day(text: str) -> date:
    """An argparse type: a day written YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def days(parser: argparse.ArgumentParser, what: str = "") -> None:
    """--from and --to (args.start, args.end), both required, both days included."""
    parser.add_argument("--from", dest="start", type=day, required=True, help=f"first day{what}, YYYY-MM-DD")
    parser.add_argument("--to", dest="end", type=day, required=True, help=f"last day{what}, YYYY-MM-DD, included")
