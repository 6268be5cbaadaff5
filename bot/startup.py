"""What every serving process checks and does at start: who the bot is on Slack (auth.test, retried in
the background while Slack is unreachable), whether the token and the port are usable, and freezing
the start-up heap. Used by `serve` in both modes (bot/runtime.py, bot/granian_server.py), the scheduler,
`jobs run` and the playground."""

from __future__ import annotations

import errno
import gc
import logging
import os
import socket
import threading
import time
from http.client import HTTPException
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.services import IN_REQUEST_TIMEOUT_S, Services, SlackIdentity, web_client
from bot.settings import Settings, StartupFailed
from models.db import DEADLINES

log = logging.getLogger(__name__)

# auth.test errors that mean the token itself is wrong: no retry helps, the operator must act.
TOKEN_REJECTED = frozenset({"invalid_auth", "account_inactive", "token_revoked", "token_expired", "not_authed",
                            "not_allowed_token_type"})
SLACK_RETRY_S = 30.0


def token_rejected(which: str, error: str) -> StartupFailed:
    where = ("Basic Information → App-Level Tokens (an xapp- token with connections:write)"
             if which == "SLACK_APP_TOKEN" else
             "OAuth & Permissions → Bot User OAuth Token (xoxb-…), reinstalling the app if it was revoked")
    return StartupFailed(f"Slack rejected {which} ({error}): set it to the token shown at {where}")


def identify_bot(services: Services, *, announce: bool = True, retry_every: float | None = SLACK_RETRY_S) -> None:
    """auth.test at start, for the bot's own user id; the outcome goes to services.slack_identity
    (`problem` None when Slack accepted the token; /healthz reports it).

    A token Slack rejects raises StartupFailed: a bot that cannot post must not start and look healthy.
    Slack merely unreachable (network, 5xx) is one warning: the bot starts (the outbox keeps what it has to
    send) and, with `retry_every`, asks again in the background until Slack answers, then clears the problem.
    `announce=False` logs the outcome at DEBUG (HTTP workers: the supervisor has already said it)."""
    problem = _ask_slack_who_we_are(services.client, services.slack_identity, announce=announce)
    if problem in TOKEN_REJECTED:
        raise token_rejected("SLACK_BOT_TOKEN", problem)
    if problem is not None and retry_every is not None:
        threading.Thread(target=_retry_identify, args=(services, retry_every), name="slack-identify",
                         daemon=True).start()


def check_slack_token(settings: Settings) -> None:
    """identify_bot before any worker starts (`serve` in HTTP mode): a rejected token stops the start
    once, in the supervisor, instead of failing every worker in a respawn loop."""
    problem = _ask_slack_who_we_are(web_client(settings, timeout=IN_REQUEST_TIMEOUT_S), SlackIdentity(), announce=True)
    if problem in TOKEN_REJECTED:
        raise token_rejected("SLACK_BOT_TOKEN", problem)


def _ask_slack_who_we_are(client: Any, identity: SlackIdentity, *, announce: bool,
                          quiet_failure: bool = False) -> str | None:
    try:
        me = client.auth_test()
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "")
        problem = error if error in TOKEN_REJECTED else ("slack_error" if error else "unreachable")
        detail = f"{error or 'HTTP ' + str(exc.response.status_code)}"
    except (OSError, SlackClientError, HTTPException) as exc:
        problem, detail = "unreachable", network_reason(exc)
    else:
        identity.bot_user_id = me.get("user_id")
        identity.bot_id = me.get("bot_id")
        identity.problem = None
        log.log(logging.INFO if announce else logging.DEBUG, "connected to Slack as %s (team %s)",
                me.get("user"), me.get("team"))
        return None
    identity.problem = problem
    if problem not in TOKEN_REJECTED and not quiet_failure:
        log.log(logging.WARNING if announce else logging.DEBUG,
                "Slack is not answering auth.test (%s); starting anyway, messages wait in the outbox", detail)
    return problem


def _retry_identify(services: Services, every: float) -> None:
    while True:
        time.sleep(every)
        problem = _ask_slack_who_we_are(services.client, services.slack_identity, announce=False, quiet_failure=True)
        if problem is None:
            log.info("Slack answers again: connected as bot user %s", services.slack_identity.bot_user_id)
            return
        if problem in TOKEN_REJECTED:
            log.error("%s", token_rejected("SLACK_BOT_TOKEN", problem))
            return


def network_reason(exc: BaseException) -> str:
    """The innermost cause of a network error, in one line (`connection refused`, `timed out`)."""
    while True:
        inner = getattr(exc, "reason", None) or exc.__cause__
        if not isinstance(inner, BaseException) or inner is exc:
            break
        exc = inner
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return str(text).splitlines()[0].lower()


# `make run` sets this: the bot was started by make, where options cannot be passed, only variables.
STARTED_BY_MAKE = ("MADOGUCHI_STARTED_BY", "make")


def port_in_use(port: int) -> StartupFailed:
    """The one line for a port another process holds, in the words that work where this one started."""
    if os.environ.get(STARTED_BY_MAKE[0]) == STARTED_BY_MAKE[1]:
        how = f"start on another one with `PORT={port + 1} make run`"
    else:
        how = f"choose another with --port {port + 1} (or PORT={port + 1})"
    return StartupFailed(f"port {port} is already in use (another madoguchi, or another program); {how}")


def check_port(host: str, port: int) -> None:
    """Fail in one line before starting anything when (host, port) cannot be listened on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is no owner
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise port_in_use(port) from None
            raise StartupFailed(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def freeze_startup_heap() -> None:
    """Everything built at start (Bolt, SQLAlchemy metadata, config, FAQ index) lives as long as the
    process: moved out of the cyclic GC's reach, a full collection no longer walks it while a request
    waits (ack bench at 8 concurrent: max 127-173 ms -> 83-86 ms)."""
    gc.collect()
    gc.freeze()


LONG_COLLECTION_S = 0.5  # a garbage collection this long is logged: near Slack's 3 s, requests fail


def watch_garbage_collections(long_s: float = LONG_COLLECTION_S) -> Any:
    """A cyclic collection stops every thread of the process. The request deadline must not take that
    pause for a blocked database (models/db.py Deadlines.resumed), and a long one is worth a log line: the
    month soak's replicas grew to 1.5 GB. Returns the callback (a test removes it again)."""
    started: list[float] = [0.0]

    def on_collection(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.monotonic()
            return
        took = time.monotonic() - started[0]
        DEADLINES.resumed(took)
        if took >= long_s:
            log.warning("a garbage collection stopped this process for %.2f s (generation %s, %s objects freed)",
                        took, info.get("generation"), info.get("collected"))

    gc.callbacks.append(on_collection)
    return on_collection
