"""The wiring-test harness: the real Bolt app served over HTTP by waitress, talking to the fake
Slack Web API on 127.0.0.1, with requests signed exactly as Slack signs them.

Outbound messages wait in the outbox until the test calls `bot.deliver()`, so each test decides
when Slack "receives" them and can inject faults in between."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select

from bot.app import MadoguchiApp, build_app
from bot.clock import Clock
from bot.composition import build_services
from bot.config import WorkspaceConfig, load_workspace
from bot.fakeslack import BOT_ID, BOT_TOKEN, BOT_USER_ID, FakeSlackServer, FakeUser, SlackRequester
from bot.fakeslack.requests import Reply
from bot.home_opens import RecentOpens
from bot.outbox import RetryPolicy
from bot.server import HttpServer, WsgiApp
from bot.services import Services
from bot.settings import BUNDLED_CONFIG, Settings
from models import OutboxMessage

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"


def people_as_fake_users(config: WorkspaceConfig, locales: dict[str, str] | None = None) -> list[FakeUser]:
    locales = locales or {}
    users = []
    for person in config.org.people:
        if not person.slack_id:
            continue
        locale = locales.get(person.key) or ("en-US" if person.locale == "en" else "ja-JP")
        users.append(FakeUser(id=person.slack_id, name=person.key, real_name=person.name,
                              email=person.email, locale=locale))
    return users


@dataclass
class Bot:
    slack: FakeSlackServer
    services: Services
    app: MadoguchiApp
    http: HttpServer
    requester: SlackRequester
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def config(self) -> WorkspaceConfig:
        return self.services.config

    def deliver(self) -> int:
        """Let the outbox deliver everything that is due now."""
        return self.services.dispatcher.drain()

    def outbox(self, status: str | None = None) -> list[OutboxMessage]:
        with self.services.session_factory() as session:
            query = select(OutboxMessage).order_by(OutboxMessage.id)
            if status:
                query = query.where(OutboxMessage.status == status)
            return list(session.scalars(query))

    # -- what a person does in Slack ---------------------------------------------------------
    def command(self, user: str, text: str = "", **kw: Any) -> Reply:
        return self.requester.command(user_id=user, text=text, trigger_id=self.slack.issue_trigger(user), **kw)

    def dm(self, user: str, text: str, **kw: Any) -> Reply:
        event = self.slack.user_says(self.slack.dm_channel(user), user, text)
        return self.requester.event(event, **kw)

    def stop(self) -> None:
        self.stop_app()
        self.slack.stop()

    def stop_app(self) -> None:
        """The app's process ends (a restart, a deploy); Slack, and the database, stay."""
        self.http.stop()
        self.services.close()


def start_bot(
    engine: Engine,
    *,
    config: WorkspaceConfig | None = None,
    clock: Clock | None = None,
    locales: dict[str, str] | None = None,
    environment: dict[str, str] | None = None,
    slack: FakeSlackServer | None = None,
) -> Bot:
    """`environment`: further settings, by their environment names (e.g. NTA_API_URL); `slack`: a fake Slack
    already running (the app restarted, the workspace as it was)."""
    config = config or load_workspace(BUNDLED_CONFIG)
    slack = slack or FakeSlackServer(bot_token=BOT_TOKEN, users=people_as_fake_users(config, locales)).start()
    settings = Settings(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack.url,
                        DATABASE_URL=engine.url.render_as_string(hide_password=False), **(environment or {}))
    services = build_services(settings, config=config, clock=clock, engine=engine,
                              retry_policy=RetryPolicy(base_delay=0.01, max_delay=0.05, lane_interval=0.0,
                                                       home_interval=0.0, settle=0.05))
    services.slack_identity.bot_user_id, services.slack_identity.bot_id = BOT_USER_ID, BOT_ID
    services.recent_home_opens = RecentOpens(window=0.0)  # every open refreshes: tests read Home right after
    app = build_app(settings, services=services)
    http = HttpServer(WsgiApp(app, engine, signing_secret=SIGNING_SECRET), host="127.0.0.1", port=0, threads=8).start()
    requester = SlackRequester(http.url, SIGNING_SECRET, triggers=slack.issue_trigger,
                               response_urls=slack.response_url)
    return Bot(slack=slack, services=services, app=app, http=http, requester=requester)


def at_once(*actions: Callable[[], Reply]) -> list[int]:
    """Two (or more) people acting at the same moment: each action in its own thread, released together; the
    HTTP statuses, in the order given."""
    barrier = threading.Barrier(len(actions))
    statuses: list[int | None] = [None] * len(actions)

    def run(i: int, action: Callable[[], Reply]) -> None:
        barrier.wait()
        statuses[i] = action().status

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return [s if s is not None else 0 for s in statuses]
