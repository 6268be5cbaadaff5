"""The running playground: fake Slack, the real bot over HTTP, the scheduler, and the web UI.

Start order matters: the fake Slack first (the bot asks it auth.test and users.info), then the
database (migrated), the bot, the outbox dispatcher and the scheduler ticker, and the UI last, so
the printed URL only appears once everything behind it answers."""

from __future__ import annotations

import logging
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config import WorkspaceConfig, load_workspace
from bot.fakeslack import BOT_TOKEN, FakeSlackServer, SlackRequester
from bot.playground.clock import SimulatedClock, next_weekday_at
from bot.playground.people import fake_channels, fake_users
from bot.playground.stage import Changes
from bot.playground.web import PlaygroundWeb
from bot.services import Services
from bot.settings import Settings

log = logging.getLogger(__name__)

# Periodic jobs notice a new slot within this much real time; a clock jump ticks at once.
TICK_EVERY_S = 5.0
# While a clock jump walks the slots it passes, what a slot's jobs wrote is delivered before time moves on
# (so a reminder shows the time it was sent); a delivery that takes longer than this is left to the outbox.
SETTLE_S = 3.0


@dataclass
class Options:
    port: int = 3000
    db: Path | None = None  # None: a fresh database in a temporary folder, removed at stop
    config: Path | None = None  # None: $MADOGUCHI_CONFIG or the bundled example
    start: datetime | None = None  # the simulated time at start (aware); None: now


class Playground:
    def __init__(self, options: Options | None = None) -> None:
        self.options = options or Options()
        self.clock = SimulatedClock(start=self.options.start)
        self.changes = Changes()
        self.signing_secret = secrets.token_hex(16)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._stop = threading.Event()
        self._tick_lock = threading.Lock()
        self._ticker: threading.Thread | None = None
        self.config: WorkspaceConfig
        self.slack: FakeSlackServer
        self.services: Services
        self.requester: SlackRequester
        self._bot_http: Any = None
        self._web_http: Any = None
        self._scheduler: Any = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> Playground:
        from bot.app import build_app
        from bot.composition import build_services
        from bot.jobs import JOBS
        from bot.migrate import upgrade
        from bot.scheduler import Scheduler
        from bot.server import HttpServer, WsgiApp
        from bot.startup import identify_bot
        from models.db import make_engine

        config_path = self.options.config or Settings().madoguchi_config
        self.config = load_workspace(config_path)
        self.slack = FakeSlackServer(bot_token=BOT_TOKEN, users=fake_users(self.config),
                                     channels=fake_channels(self.config), clock=self.clock.timestamp).start()
        self.slack.on_call(self.changes.bump)
        settings = Settings(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=self.signing_secret,
                            SLACK_API_URL=self.slack.url, DATABASE_URL=self._database_url(),
                            MADOGUCHI_CONFIG=config_path)
        engine = make_engine(settings.database_url)
        upgrade(engine)
        self.services = build_services(settings, config=self.config, clock=self.clock, engine=engine)
        identify_bot(self.services)
        app = build_app(settings, services=self.services)
        self.services.start_background()
        wsgi = WsgiApp(app, engine, signing_secret=self.signing_secret)
        self._bot_http = HttpServer(wsgi, host="127.0.0.1", port=0, threads=8).start()
        self.requester = SlackRequester(self._bot_http.url, self.signing_secret, triggers=self.slack.issue_trigger)
        self._scheduler = Scheduler(self.services, JOBS)
        self._ticker = threading.Thread(target=self._tick_forever, name="playground-ticker", daemon=True)
        self._ticker.start()
        self._web_http = HttpServer(PlaygroundWeb(self), host="127.0.0.1", port=self.options.port,  # type: ignore[arg-type]
                                    threads=16).start()
        return self

    def stop(self) -> None:
        """Stop everything that started, each part even when an earlier one failed to stop cleanly."""
        self._stop.set()
        self.changes.close()
        steps = [
            self._web_http and self._web_http.stop,
            self._ticker and (lambda: self._ticker.join(timeout=5)),  # type: ignore[union-attr]
            self._bot_http and self._bot_http.stop,
            getattr(self, "services", None) and self.services.close,
            getattr(self, "slack", None) and self.slack.stop,
            self._tmp and self._tmp.cleanup,
        ]
        for step in steps:
            if step:
                try:
                    step()
                except OSError as exc:  # e.g. a socket already gone: the rest must still stop
                    log.warning("playground: while stopping: %s", exc)

    def __enter__(self) -> Playground:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._web_http.port}/"

    @property
    def bot_url(self) -> str:
        return str(self._bot_http.url)

    def _database_url(self) -> str:
        if self.options.db is not None:
            return f"sqlite:///{self.options.db.resolve()}"
        self._tmp = tempfile.TemporaryDirectory(prefix="madoguchi-playground-")
        return f"sqlite:///{Path(self._tmp.name) / 'playground.db'}"

    # -- time ------------------------------------------------------------------------------------
    def tick(self) -> None:
        """Run the periodic jobs whose slot is due now, then let the outbox deliver what they wrote."""
        with self._tick_lock:
            self._scheduler.tick()
        self.services.dispatcher.notify()

    def advance(self, delta: timedelta) -> None:
        self.advance_to(self.clock.now() + delta)

    def advance_to_digest(self) -> None:
        """Jump to the next digest time (Monday 09:00 in the bundled config)."""
        from bot.config.workspace import WEEKDAYS

        digest = self.config.digest
        self.advance_to(next_weekday_at(self.clock.now(), WEEKDAYS.index(digest.weekday), digest.at,
                                        self.config.calendar.timezone))

    def advance_to(self, when: datetime) -> None:
        """Move time to `when`, running on the way every scheduler slot the jump passes, in order and each as
        of its own time (Scheduler.walk): reminders and digests arrive when they would have, not at landing."""
        with self._tick_lock:
            self._scheduler.tick()  # the slot current before the jump, if the ticker has not seen it yet
            self._scheduler.walk(self.clock.now(), when, move_to=self._pass, settle=self._settle)
            self.clock.advance_to(when)
            self.changes.bump()
            self._scheduler.tick()
        self.services.dispatcher.notify()

    def _pass(self, moment: datetime) -> None:
        """The walk reaches `moment`: the clock reads it, and the UI's clock shows each hour go by."""
        before = self.clock.now()
        self.clock.advance_to(moment)
        if moment.replace(minute=0, second=0, microsecond=0) > before:
            self.changes.bump()

    def _settle(self, _results: object = None) -> None:
        """Let the outbox deliver what the slot's jobs just wrote, while the clock still reads that slot."""
        from sqlalchemy import func, or_, select

        from bot.outbox import PENDING, SENDING
        from models import OutboxMessage

        fresh = (select(func.count()).select_from(OutboxMessage)
                 .where(or_(OutboxMessage.status == SENDING,
                            (OutboxMessage.status == PENDING) & (OutboxMessage.attempts == 0))))
        deadline = time.monotonic() + SETTLE_S
        while True:
            self.services.dispatcher.notify()
            with self.services.session_factory() as session:
                if not session.scalar(fresh) or time.monotonic() > deadline:
                    break
            time.sleep(0.01)
        self.changes.bump()

    def next_digest_label(self) -> str:
        digest = self.config.digest
        return f"{digest.weekday} {digest.at:%H:%M}"

    def _tick_forever(self) -> None:
        while not self._stop.wait(TICK_EVERY_S):
            try:
                self.tick()
            except Exception:  # a failing job must not stop later ticks; the scheduler records it
                log.exception("playground: scheduler tick failed")


