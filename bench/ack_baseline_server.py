"""The baseline for bench/ack_latency.py: a bare Bolt app that only acks, served like `madoguchi serve`.

Same server stack as the product (bot/server.py: waitress via HttpServer + WsgiApp, 16 threads), same
signature verification, but no middleware, no database session, no locale lookup: listeners for the
same slash command, button action and event that do nothing but `ack()`. The difference between the
two is what madoguchi's own work costs per request.

    python bench/ack_baseline_server.py --port 3999 --signing-secret S [--api-url URL] [--action ID]

It prints nothing per request; GET /healthz answers 200 (an in-memory SQLite engine stands in for the
database). Stops on SIGTERM / SIGINT.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.fakeslack import BOT_TOKEN
from bot.server import HttpServer, WsgiApp
from models.db import make_engine


def build_baseline(signing_secret: str, *, api_url: str | None, command: str, action_id: str, event_type: str
                   ) -> App:
    # Bolt's single-team authorization calls auth.test once, on the first request, and caches the answer;
    # pointed at the fake (SLACK_API_URL) that happens during warm-up. Pointed at nothing it would retry
    # (and time out) on every request.
    client = WebClient(token=BOT_TOKEN, base_url=api_url) if api_url else None
    app = App(
        signing_secret=signing_secret,
        token=None if client else BOT_TOKEN,
        client=client,
        token_verification_enabled=False,
        process_before_response=True,
    )

    @app.command(command)
    def on_command(ack: Ack) -> None:
        ack()

    @app.action(action_id)
    def on_action(ack: Ack) -> None:
        ack()

    @app.event(event_type)
    def on_event(ack: Ack) -> None:
        ack()

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--signing-secret", required=True)
    parser.add_argument("--threads", type=int, default=16, help="waitress threads (default 16, as serve)")
    parser.add_argument("--api-url", default=os.environ.get("SLACK_API_URL"),
                        help="Web API base URL (default $SLACK_API_URL), for the one auth.test")
    parser.add_argument("--command", default="/helpdesk")
    parser.add_argument("--action", default="home_new_request")
    parser.add_argument("--event", default="app_home_opened")
    args = parser.parse_args(argv)

    # The same logging level as `madoguchi serve` (INFO), so neither side gets a logging discount.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = build_baseline(args.signing_secret, api_url=args.api_url, command=args.command, action_id=args.action,
                         event_type=args.event)
    engine = make_engine("sqlite://")
    http = HttpServer(WsgiApp(app, engine), host=args.host, port=args.port, threads=args.threads).start()
    logging.getLogger("bench.baseline").info("baseline Bolt app on %s", http.url)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    http.stop()
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
