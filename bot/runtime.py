"""Long-running processes: `madoguchi serve` and `madoguchi scheduler`, with graceful shutdown."""

from __future__ import annotations

import logging
import signal
import threading
from http.client import HTTPException

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.composition import build_services
from bot.services import Services
from bot.settings import Settings, StartupFailed
from bot.startup import (
    TOKEN_REJECTED,
    check_port,
    freeze_startup_heap,
    identify_bot,
    network_reason,
    token_rejected,
    watch_garbage_collections,
)

log = logging.getLogger(__name__)


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handle(signum: int, _frame: object) -> None:
        log.info("signal %s: shutting down", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop


def _start_scheduler(services: Services) -> object:
    from bot.jobs import JOBS
    from bot.scheduler import Scheduler

    scheduler = Scheduler(services, JOBS)
    scheduler.start()
    return scheduler


def serve(settings: Settings, *, host: str, port: int, with_scheduler: bool, workers: int = 1,
          threads: int | None = None) -> int:
    """Serve HTTP (or Socket Mode) until SIGTERM/SIGINT.

    HTTP mode runs Granian with `workers` processes, each a whole replica (bot/granian_server.py);
    Socket Mode is one process, its /healthz on waitress."""
    from bot.clock_control import check_bench_controls

    check_bench_controls(settings)  # a bench's movable clock or pace next to a real Slack stops here
    check_port(host, port)
    if settings.socket_mode:
        if workers > 1:
            log.debug("Socket Mode: one process (--workers applies to HTTP mode)")
        return _serve_socket_mode(settings, host=host, port=port, with_scheduler=with_scheduler)
    from bot.granian_server import DEFAULT_THREADS, serve_http

    return serve_http(settings, host=host, port=port, with_scheduler=with_scheduler, workers=workers,
                      threads=threads or DEFAULT_THREADS)


def _serve_socket_mode(settings: Settings, *, host: str, port: int, with_scheduler: bool) -> int:
    """One process: Bolt over Socket Mode, and /healthz on waitress (HTTP here is only the probe)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import build_app
    from bot.server import HttpServer, WsgiApp

    stop = _stop_on_signals()
    services = build_services(settings)
    try:
        identify_bot(services)
        app = build_app(settings, services=services)
        socket_handler = SocketModeHandler(app, settings.app_token())
        _connect_socket_mode(socket_handler)
    except BaseException:
        services.close()
        raise
    services.start_background()
    scheduler = _start_scheduler(services) if with_scheduler else None
    freeze_startup_heap()
    watch_garbage_collections()
    # No signing secret: over HTTP this process only answers /healthz (Slack talks over the socket).
    http = HttpServer(WsgiApp(app, services.engine), host=host, port=port).start()
    log.info("Socket Mode connected; /healthz on port %s", http.port)
    stop.wait()
    socket_handler.close()
    http.stop()
    if scheduler is not None:
        scheduler.stop()  # type: ignore[attr-defined]
    services.close()
    return 0


def _connect_socket_mode(handler: object) -> None:
    """The first connection fails in one line (no network, a rejected app token); later drops are
    slack_sdk's to reconnect."""
    try:
        handler.connect()  # type: ignore[attr-defined]
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "")
        handler.close()  # type: ignore[attr-defined]
        if error in TOKEN_REJECTED:
            raise token_rejected("SLACK_APP_TOKEN", error) from None
        raise StartupFailed(f"Slack refused to open a Socket Mode connection ({error or exc}); "
                            "check the app's Socket Mode setting and SLACK_APP_TOKEN") from None
    except (OSError, SlackClientError, HTTPException) as exc:
        handler.close()  # type: ignore[attr-defined]
        raise StartupFailed(f"cannot open a Socket Mode connection to Slack ({network_reason(exc)}); "
                            "check the network (and any proxy) between this host and slack.com") from None


def _warn_about_maintenance(services: Services) -> None:
    """Said once per deployment, by its one scheduler process (the serve replicas stay quiet)."""
    from bot.migrate import maintenance_warning

    try:
        warning = maintenance_warning(services.engine)
    except Exception as exc:  # the scheduler's own start-up reports a database that is down
        log.debug("could not read the database's maintenance settings: %s", type(exc).__name__)
        return
    if warning:
        log.warning(warning)


def scheduler_only(settings: Settings) -> int:
    from bot.clock_control import follow_clock
    from bot.jobs import JOBS
    from bot.scheduler import run_scheduler

    if settings.oauth_mode:  # every installed workspace's jobs (bot/tenancy)
        from bot.tenancy.compose import run_teams_scheduler

        return run_teams_scheduler(settings, _stop_on_signals())
    services = build_services(settings)
    following = threading.Event()
    try:
        identify_bot(services)
        _warn_about_maintenance(services)
        follow_clock(services, following)  # only under a bench's shared simulated clock
        return run_scheduler(services, jobs=JOBS)
    finally:
        following.set()
        services.close()
