"""Logging set-up with a filter that masks Slack tokens wherever they appear.

slack_sdk logs request headers at DEBUG, which include the bot token; the filter makes sure no log
line ever carries a token, whatever the level."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

TOKEN = re.compile(r"xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")


# PostgreSQL's error details quote the data: "Failing row contains (…, <a confidential title>, …)",
# "Key (submission_key)=(…) already exists". psycopg puts them into the exception's text, which a
# traceback in a log line would carry; the error's first line says what went wrong without them.
ROW_DETAIL = re.compile(r"^DETAIL: .*$", re.MULTILINE)
ROW_DETAIL_HIDDEN = "DETAIL: (hidden: it may quote row values)"


def redact(text: str) -> str:
    return ROW_DETAIL.sub(ROW_DETAIL_HIDDEN, TOKEN.sub("xox?-***", text))


class RedactTokens(logging.Filter):
    """Masks tokens, and PostgreSQL's row details, in the message and the traceback of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        if record.exc_info and not record.exc_text:
            # Formatted here, once (Formatter.format reuses exc_text), so that every handler shows it redacted.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class CurrentStderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at emit time, not the one bound at set-up.

    The CLI configures logging once per process, but when it runs embedded (tests, the playground)
    sys.stderr may be swapped and closed afterwards; a bound stream would then raise on every line."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:  # logging reads it on every emit
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


class BoltTokenNotices(logging.Filter):
    """Drops Bolt's two start-up warnings that the token "will be unused" / "will be ignored".

    Bolt reads SLACK_BOT_TOKEN from the environment itself and warns whenever it is set while the app
    is given a `client` and an `authorize` — which is exactly our set-up (bot/app.py authorizes from the
    configured token without an auth.test per request): the warning cannot be avoided by configuration
    and tells the operator nothing. Every other Bolt warning passes — the one about a middleware that
    skipped next() without the request's payload it would quote."""

    def __init__(self) -> None:
        super().__init__()
        from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped, warning_token_skipped

        self.notices = {warning_client_prioritized_and_token_skipped(), warning_token_skipped()}

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message in self.notices:
            return False
        if message.startswith(MIDDLEWARE_SKIPPED):
            # "… without providing a response for the request (<the whole payload>)": the event only.
            record.msg, record.args = message.split(" for the request (", 1)[0] + " (payload not logged)", None
        return True


MIDDLEWARE_SKIPPED = "A global middleware ("


# Libraries that put content (SQL parameters, request and response bodies, views with what people typed)
# into their records below these levels. They are held at that level or above whatever LOG_LEVEL says:
# logs carry ids and outcomes, never content (docs/SECURITY.md).
CONTENT_FLOORS: dict[str, int] = {
    # INFO: every statement with its parameters (a confidential title, a DM's text); DEBUG: result rows.
    "sqlalchemy.engine": logging.WARNING,
    "sqlalchemy.pool": logging.WARNING,
    "sqlalchemy.orm": logging.WARNING,
    # DEBUG: every Web API call's arguments (chat.postMessage text, views with field values) and the
    # response. Its ERROR "Failed to send a request" / "Failed to decode Slack API response: <body>" are
    # raised to the caller too, which decides and logs (the outbox, identify_bot): held above them.
    "slack_sdk.web": logging.CRITICAL,
    # Its client builds that DEBUG line (every argument repr'd) whenever its own logger's level, not the
    # effective one, is DEBUG or NOTSET: given a level of its own, the line is not even built.
    "slack_sdk.web.base_client": logging.CRITICAL,
    "slack_sdk": logging.INFO,
    # DEBUG: "Responding with status: 200 body: …" (modal errors echo what the user typed), payloads.
    "slack_bolt": logging.INFO,
    # INFO: "Running job …" / "Job … executed successfully" for every check (12 lines a minute idle);
    # bot/scheduler.py logs what a run did, once.
    "apscheduler": logging.WARNING,
    # Alembic announces every plugin at INFO; only its warnings matter to an operator.
    "alembic": logging.WARNING,
}


def configure(level: str = "INFO") -> None:
    handler = CurrentStderrHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    floor_libraries(root.level)
    bolt = logging.getLogger("slack_bolt.App")
    bolt.filters[:] = [f for f in bolt.filters if not isinstance(f, BoltTokenNotices)]
    bolt.addFilter(BoltTokenNotices())


def floor_libraries(level: int) -> None:
    """Each content-logging library at its floor, or at `level` when that is higher (a child logger's
    own level decides alone whether its records reach the root's handlers)."""
    for name, floor in CONTENT_FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, level))
