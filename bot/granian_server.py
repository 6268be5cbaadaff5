"""`madoguchi serve` in HTTP mode: Granian (a Rust HTTP server) in front of the WSGI app.

Why not waitress (the in-process server of tests and the playground): parsing HTTP, building the WSGI
environ and handling connections in Python cost waitress 0.51-0.57 ms of CPU per request for an app
that does nothing (bench/http_servers.py: a new connection per request, as Slack delivers; wrk, 8
concurrent: 1,700-2,000 req/s), taken under the same GIL our listeners need. Granian does that in Rust,
off the GIL: 0.07-0.08 ms per request (~13,000 req/s) for the same app. uWSGI measured alike (0.06 ms)
but is in maintenance mode; gunicorn's gthread worker measured like waitress (0.73 ms). On the ack
benchmark the server's CPU per request went from 1.7 ms to 0.9-1.2 ms (docs/BENCHMARKS.md).

Each worker is a process that builds the whole app after it starts (its own database pool, outbox
dispatcher and FAQ index): nothing holding a thread or a connection crosses a fork. The periodic jobs,
when this command runs them, are a `madoguchi scheduler` child process: Granian's supervisor owns the
main process and its signals.

Threads: `threads` Python threads per worker run listeners (Granian's blocking threads). One process
runs Python on one core at a time, and a thread coming back from I/O queues for the GIL behind every
runnable one, in 5 ms slices: on the ack benchmark (2 cores) 2 threads per worker gave p99 17-19 ms at
8 concurrent where 3 gave 49 ms, 4 gave 30 ms and 8 gave 36-40 ms, at the same CPU per request.
Requests beyond that wait in Granian's queue, in order, off the GIL. The cost: a listener waiting on
Slack (views.open before the ack) holds its thread, so a Slack that answers slowly limits each worker
to `threads` such calls at a time; raise WEB_THREADS where Slack is far or slow and CPU is plenty."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from multiprocessing.util import Finalize
from typing import Any

from bot.server import BACKLOG
from bot.settings import Settings, StartupFailed

log = logging.getLogger(__name__)
DEFAULT_THREADS = 2
# Stopping (Ctrl-C, SIGTERM): workers finish the requests in hand — an ack is due within 3 s anyway —
# and the scheduler child its running check; whatever is still busy after this is killed (the outbox's
# leases redeliver a message in hand; an interrupted job run keeps finished_at NULL, see bot/scheduler.py).
WORKER_STOP_S = 4
# A worker's outbox at a stop: a message in hand is delivered in milliseconds; the thread may instead be
# waiting on the database (SQLite's busy timeout is 5 s), which loses nothing when abandoned. Waiting for
# it past this would run into WORKER_STOP_S once a slow request has used most of the budget.
WORKER_OUTBOX_STOP_S = 1.0
SCHEDULER_STOP_S = 4


def load_worker_app(_target: str) -> Any:
    """Runs in each worker process: the whole app, built there (see the module's docstring)."""
    from bot.app import build_app
    from bot.composition import build_services
    from bot.logs import configure
    from bot.server import WsgiApp
    from bot.settings import load_settings
    from bot.startup import freeze_startup_heap, identify_bot, watch_garbage_collections

    # A terminal's Ctrl-C signals the whole foreground process group at once. A Granian worker that
    # gets its own SIGINT and then the supervisor's stop sometimes never leaves its serve loop and is
    # killed after WORKER_STOP_S, in-flight requests lost; in a group of its own it hears only the
    # supervisor, which stops the workers one way, in order.
    os.setpgid(0, 0)
    # Until this returns, the worker runs the supervisor's inherited signal handlers, which only set
    # the supervisor's (copied) stop flag: a stop sent while the worker is still starting would be
    # lost and the supervisor would wait for it forever. Starting, a worker just ends on a stop.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    settings = load_settings()
    configure(settings.log_level)
    if settings.oauth_mode:
        return _load_multi_workspace(settings)
    services = build_services(settings)
    try:
        identify_bot(services, announce=False)  # serve_http has checked the token and said how it went
    except StartupFailed as exc:  # revoked since: /healthz says so; exiting would only respawn the worker
        log.error("%s", exc)
    app = build_app(settings, services=services)
    services.start_background()
    # Granian ends a worker through multiprocessing, which runs these finalizers (not atexit): the
    # outbox finishes the message in hand and the pools close.
    Finalize(services, services.close, kwargs={"outbox_timeout": WORKER_OUTBOX_STOP_S}, exitpriority=10)
    freeze_startup_heap()
    watch_garbage_collections()
    log.info("HTTP worker ready (pid %s): POST /slack/events and GET /healthz", os.getpid())
    return WsgiApp(app, services.engine, signing_secret=settings.signing_secret())


def _load_multi_workspace(settings: Any) -> Any:
    """OAuth mode's worker: every installed workspace's desk, behind the install flow (bot/tenancy)."""
    from bot.startup import freeze_startup_heap, watch_garbage_collections
    from bot.tenancy.compose import build_multi_workspace

    multi = build_multi_workspace(settings)
    try:
        multi.teams.sync()
    except Exception as exc:  # the registry database is down: desks are built on their first request
        log.error("could not read the installations at start (%s)", type(exc).__name__)
    Finalize(multi, multi.close, exitpriority=10)
    freeze_startup_heap()
    watch_garbage_collections()
    log.info("HTTP worker ready (pid %s), OAuth mode: %s workspace(s)", os.getpid(), len(multi.teams.keys()))
    return multi.wsgi(settings)


def serve_http(settings: Settings, *, host: str, port: int, with_scheduler: bool, workers: int,
               threads: int = DEFAULT_THREADS) -> int:
    from granian.constants import HTTPModes, Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    from bot.startup import check_slack_token

    if not settings.oauth_mode:  # OAuth mode: each installation's token was checked when it was stored
        check_slack_token(settings)
    scheduler: subprocess.Popen[bytes] | None = None
    stopping_since: list[float] = []

    def stop_scheduler() -> None:
        if scheduler is not None and scheduler.poll() is None and not stopping_since:
            stopping_since.append(time.monotonic())
            scheduler.send_signal(signal.SIGTERM)

    class _Server(Server):  # type: ignore[misc]
        def signal_handler_interrupt(self, *args: Any, **kwargs: Any) -> None:
            stop_scheduler()  # alongside the workers, not after them
            super().signal_handler_interrupt(*args, **kwargs)

    server = _Server(
        "madoguchi",  # a name only: load_worker_app builds the app
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        backlog=BACKLOG,
        http=HTTPModes.http1,
        websockets=False,
        log_level=LogLevels(settings.log_level.lower()),
        respawn_failed_workers=True,
        workers_kill_timeout=WORKER_STOP_S,  # then SIGKILL: the outbox's leases redeliver what was in hand
    )
    if with_scheduler:  # in a process group of its own, like the workers (see load_worker_app)
        scheduler = subprocess.Popen([sys.executable, "-m", "bot", "scheduler"], process_group=0)
    log.info("HTTP mode: %s worker(s) × %s thread(s) on %s:%s%s", workers, threads, host, port,
             f"; scheduler pid {scheduler.pid}" if scheduler else "")
    try:
        server.serve(target_loader=load_worker_app)
    except RuntimeError as exc:  # taken between bot.startup.check_port and here: Granian's bind, a Rust error
        if "Address already in use" in str(exc):
            from bot.startup import port_in_use

            raise port_in_use(port) from None
        raise
    finally:
        if scheduler is not None:
            stop_scheduler()
            try:
                scheduler.wait(timeout=max(0.1, stopping_since[0] + SCHEDULER_STOP_S - time.monotonic())
                               if stopping_since else SCHEDULER_STOP_S)
            except subprocess.TimeoutExpired:
                scheduler.kill()
    return 0
