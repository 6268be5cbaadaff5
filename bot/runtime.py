"""Long-running processes: `madoguchi serve` and `madoguchi scheduler`, with graceful shutdown."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import socket
import threading

from slack_sdk.errors import SlackApiError

from bot.services import Services, build_services
from bot.settings import Settings

log = logging.getLogger(__name__)


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handle(signum: int, _frame: object) -> None:
        log.info("signal %s: shutting down", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop


def identify_bot(services: Services) -> None:
    """auth.test once at start, for the bot's own user id; a failure is only a warning."""
    try:
        me = services.client.auth_test()
        services.extras["bot_user_id"] = me.get("user_id")
        services.extras["bot_id"] = me.get("bot_id")
        log.info("connected to Slack as %s (team %s)", me.get("user"), me.get("team"))
    except (SlackApiError, OSError) as exc:
        log.warning("auth.test failed (%s); continuing, Slack may be unreachable for now", exc)


def _start_scheduler(services: Services) -> object:
    from bot.scheduler import Scheduler

    scheduler = Scheduler(services)
    scheduler.start()
    return scheduler


def serve(settings: Settings, *, host: str, port: int, with_scheduler: bool, workers: int = 1) -> int:
    """Serve HTTP (or Socket Mode) until SIGTERM/SIGINT.

    With `workers` > 1 the listening socket is opened here and the process forks: each worker is a
    whole replica (its own connections, outbox dispatcher and FAQ index) accepting on the shared
    socket. One Python process acks on one core at most (the GIL); the outbox and the scheduler's
    claims already make replicas safe, so forking is how `serve` uses every core. Only worker 0 runs
    the scheduler."""
    if workers <= 1 or settings.socket_mode:
        if workers > 1:
            log.info("Socket Mode: one process (--workers applies to HTTP mode)")
        return _serve_one(settings, host=host, port=port, with_scheduler=with_scheduler)
    from bot.server import listening_socket

    sock = listening_socket(host, port)
    children: list[int] = []
    for worker in range(1, workers):
        pid = os.fork()
        if pid == 0:  # the child: a replica of its own, until its own signal
            code = 1
            try:
                code = _serve_one(settings, host=host, port=port, with_scheduler=False, sock=sock, worker=worker)
            finally:
                os._exit(code)
        children.append(pid)
    try:
        return _serve_one(settings, host=host, port=port, with_scheduler=with_scheduler, sock=sock, worker=0)
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _serve_one(settings: Settings, *, host: str, port: int, with_scheduler: bool,
               sock: socket.socket | None = None, worker: int = 0) -> int:
    from bot.app import build_app
    from bot.server import HttpServer, WsgiApp

    stop = _stop_on_signals()
    services = build_services(settings)
    identify_bot(services)
    app = build_app(settings, services=services)
    services.dispatcher.start()
    scheduler = _start_scheduler(services) if with_scheduler else None
    # Everything built so far (Bolt, SQLAlchemy metadata, config, FAQ index) lives as long as the
    # process: moved out of the cyclic GC's reach, a full collection no longer walks it while a
    # request waits (ack bench at 8 concurrent: max 127-173 ms -> 83-86 ms).
    gc.collect()
    gc.freeze()
    http = HttpServer(WsgiApp(app, services.engine), host=host, port=port, sock=sock).start()
    socket_handler = None
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        socket_handler = SocketModeHandler(app, settings.app_token())
        socket_handler.connect()
        log.info("Socket Mode connected; /healthz on port %s", http.port)
    else:
        log.info("HTTP mode (worker %s, pid %s): POST /slack/events and GET /healthz on %s:%s",
                 worker, os.getpid(), host, http.port)
    stop.wait()
    if socket_handler is not None:
        socket_handler.close()
    http.stop()
    if scheduler is not None:
        scheduler.stop()  # type: ignore[attr-defined]
    services.close()
    return 0


def scheduler_only(settings: Settings) -> int:
    from bot.scheduler import run_scheduler

    services = build_services(settings)
    identify_bot(services)
    try:
        return run_scheduler(services)
    finally:
        services.close()
