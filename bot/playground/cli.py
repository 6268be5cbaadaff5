"""`madoguchi playground`: everything on 127.0.0.1, until Ctrl-C."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import signal
import sys
import threading
import webbrowser
from pathlib import Path

log = logging.getLogger(__name__)

CONNECT_HINT = ("To connect a real Slack workspace instead, set SLACK_BOT_TOKEN (and SLACK_SIGNING_SECRET or "
                "SLACK_APP_TOKEN, in the environment or .env); `.venv/bin/madoguchi manifest --help` shows how to "
                "create the app.")


def _can_open_a_browser() -> bool:
    # On a Linux console webbrowser would start lynx/w3m inside this terminal: only open a GUI browser.
    return sys.platform in ("darwin", "win32") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def cmd_playground(args: argparse.Namespace) -> int:
    from bot.playground.stack import Options, Playground
    from bot.settings import load_settings
    from bot.startup import check_port, port_in_use

    port = args.port if args.port is not None else load_settings().port  # $PORT, or PORT in .env
    check_port("127.0.0.1", port)  # before building the stack: a taken port is said at once
    options = Options(port=port, db=Path(args.db) if args.db else None,
                      config=Path(args.config) if args.config else None)
    playground = Playground(options)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        playground.start()
    except OSError as exc:
        playground.stop()
        if exc.errno == errno.EADDRINUSE:  # taken since check_port
            print(f"madoguchi playground: {port_in_use(port)}", file=sys.stderr)
            return 1
        raise
    print(f"madoguchi playground — no Slack workspace needed. Open {playground.url}", flush=True)
    print("(Ctrl-C stops it" + ("; the database is temporary)" if args.db is None else ")"), flush=True)
    print(CONNECT_HINT, flush=True)
    if not args.no_open and _can_open_a_browser():
        webbrowser.open(playground.url)
    try:
        stop.wait()
    finally:
        print("stopping the playground…", file=sys.stderr)
        playground.stop()
    return 0


def add(p: argparse.ArgumentParser) -> None:
    """`playground`'s options, on the parser bot/cli.py made for it."""
    p.add_argument("--port", type=int, default=None, help="port of the web UI (default: $PORT, or PORT in .env, "
                                                          "or 3000)")
    p.add_argument("--db", help="SQLite file to keep between runs (default: a temporary database)")
    p.add_argument("--config", help="workspace config file (default: $MADOGUCHI_CONFIG or the bundled example)")
    p.add_argument("--no-open", action="store_true", help="do not open a browser")
    p.set_defaults(func=cmd_playground)
