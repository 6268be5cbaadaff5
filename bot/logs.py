"""Logging set-up with a filter that masks Slack tokens wherever they appear.

slack_sdk logs request headers at DEBUG, which include the bot token; the filter makes sure no log
line ever carries a token, whatever the level."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

TOKEN = re.compile(r"xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if TOKEN.search(message):
            record.msg = TOKEN.sub("xox?-***", message)
            record.args = None
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


def configure(level: str = "INFO") -> None:
    handler = CurrentStderrHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Alembic announces every plugin at INFO; only its warnings matter to an operator.
    logging.getLogger("alembic").setLevel(logging.WARNING)
