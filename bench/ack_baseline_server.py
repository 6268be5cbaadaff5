"""The baseline for bench/ack_latency.py: a bare Bolt app that only acks, served like `madoguchi serve`.

Same server stack as the product (Granian with the same worker processes and listener threads as
`madoguchi serve`, bot/granian_server.py, around bot/server.py's WsgiApp), same signature
verification, but no middleware, no database session, no locale lookup: listeners for the same slash
command, button action and event that do nothing but `ack()`. The difference between the
two is what madoguchi's own work costs per request.

    python bench/ack_baseline_server.py --port 3999 --signing-secret S [--workers N] [--threads N] [--api-url URL]

It prints nothing per request; GET /healthz answers 200 (an in-memory SQLite engine stands in for the
database). Stops on SIGTERM / SIGINT.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.fakeslack import BOT_TOKEN
from bot.granian_server import DEFAULT_THREADS, WORKER_STOP_S
from bot.server import BACKLOG, WsgiApp
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


def load_baseline(_target: str) -> WsgiApp:
    """In each worker process (as bot.granian_server.load_worker_app): the app, from BASELINE_* variables."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a stop while starting ends the worker (see load_worker_app)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    # The same logging level as `madoguchi serve` (INFO), so neither side gets a logging discount.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    env = os.environ
    app = build_baseline(env["BASELINE_SIGNING_SECRET"], api_url=env.get("SLACK_API_URL") or None,
                         command=env["BASELINE_COMMAND"], action_id=env["BASELINE_ACTION"],
                         event_type=env["BASELINE_EVENT"])
    logging.getLogger("bench.baseline").info("baseline Bolt app ready (pid %s)", os.getpid())
    return WsgiApp(app, make_engine("sqlite://"), signing_secret=env["BASELINE_SIGNING_SECRET"])


def main(argv: list[str] | None = None) -> int:
    from granian.constants import HTTPModes, Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--signing-secret", required=True)
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1, as serve)")
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS,
                        help=f"listener threads per worker (default {DEFAULT_THREADS}, as serve)")
    parser.add_argument("--api-url", default=os.environ.get("SLACK_API_URL"),
                        help="Web API base URL (default $SLACK_API_URL), for the one auth.test")
    parser.add_argument("--command", default="/helpdesk")
    parser.add_argument("--action", default="home_new_request")
    parser.add_argument("--event", default="app_home_opened")
    args = parser.parse_args(argv)

    os.environ.update(BASELINE_SIGNING_SECRET=args.signing_secret, SLACK_API_URL=args.api_url or "",
                      BASELINE_COMMAND=args.command, BASELINE_ACTION=args.action, BASELINE_EVENT=args.event)
    server = Server("baseline", address=args.host, port=args.port, interface=Interfaces.WSGI, workers=args.workers,
                    blocking_threads=args.threads, backlog=BACKLOG, http=HTTPModes.http1, websockets=False,
                    log_level=LogLevels.info, workers_kill_timeout=WORKER_STOP_S)
    server.serve(target_loader=load_baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
