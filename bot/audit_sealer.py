"""The audit chain's background sealer: one thread per process (serve worker, scheduler, playground), PostgreSQL only.

A committing request seals its own events when the chain head is free and skips when another transaction
holds it (bot/audit.py); what is skipped is sealed here within `interval` seconds. Several processes'
sealers take turns on the head row: only they ever wait for it.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from bot import audit
from models.db import is_sqlite, within

log = logging.getLogger(__name__)


class Sealer:
    def __init__(self, session_factory: sessionmaker[Session], *, interval: float = 1.0, db_deadline: float = 15.0):
        self._factory = session_factory
        self._interval = interval
        # A round silent for longer is cut (models.db.within): a black-holed connection would hang it forever.
        self._db_deadline = db_deadline
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if is_sqlite(self._factory.kw["bind"]):
            # Every SQLite commit holds the database's one write lock, so it always finds the head free and
            # seals its own events: nothing is ever left here, and a poll would only queue for that lock.
            return
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="audit-sealer", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """A round cut short rolls back: what it was sealing is sealed by the next one, in any process."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_once(self) -> int:
        """Seal everything written so far; how many events."""
        with within(self._db_deadline):
            return audit.seal_everything(self._factory)

    def _loop(self) -> None:
        down_since: float | None = None
        while not self._stop.wait(self._interval):
            try:
                self.run_once()
            except Exception as exc:
                if self._stop.is_set():
                    break
                if down_since is None:  # once per outage; the dispatcher and /healthz say the rest
                    down_since = time.monotonic()
                    log.warning("audit sealer: cannot reach the database (%s); retrying", type(exc).__name__)
            else:
                if down_since is not None:
                    log.info("audit sealer: sealing again after %.1fs", time.monotonic() - down_since)
                    down_since = None
