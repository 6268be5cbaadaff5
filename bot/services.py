"""The composition root's product: every long-lived object the handlers and jobs need, built once.

Tests and the playground build the same object with a fake Slack URL, a different database or a
manual clock — no patching needed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.calendar import BusinessCalendar
from bot.clock import Clock, SystemClock
from bot.config import WorkspaceConfig, load_workspace
from bot.faqdesk.index import FaqIndex
from bot.home import OPEN_REFRESH_WINDOW_S, RecentOpens
from bot.locale import LocaleResolver
from bot.outbox import Dispatcher, RetryPolicy
from bot.settings import Settings
from bot.web_client import KeepAliveWebClient
from models.db import make_engine, make_read_session_factory, make_session_factory

# A Web API call made while Slack waits for our ack (views.open) must fail fast, not hang.
IN_REQUEST_TIMEOUT_S = 2
OUTBOX_TIMEOUT_S = 10


@dataclass
class Services:
    settings: Settings
    config: WorkspaceConfig
    engine: Engine
    session_factory: sessionmaker[Session]
    client: WebClient
    dispatcher: Dispatcher
    locales: LocaleResolver
    clock: Clock
    calendar: BusinessCalendar
    faq: FaqIndex
    extras: dict[str, Any] = field(default_factory=dict)

    read_sessions: sessionmaker[Session] = field(init=False, repr=False)
    recent_home_opens: RecentOpens = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Sessions that only read: on SQLite they never queue behind the writer.
        self.read_sessions = make_read_session_factory(self.engine)
        self.recent_home_opens = RecentOpens(OPEN_REFRESH_WINDOW_S)

    def close(self, *, outbox_timeout: float = 5.0) -> None:
        """`outbox_timeout`: how long the message in hand may take to finish; past it the delivery
        thread is abandoned (it is a daemon) and the message's lease redelivers it."""
        self.dispatcher.stop(outbox_timeout)
        self.engine.dispose()


def web_client(settings: Settings, *, timeout: int) -> WebClient:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return KeepAliveWebClient(token=token, base_url=settings.slack_api_url, timeout=timeout)


def build_services(
    settings: Settings,
    *,
    config: WorkspaceConfig | None = None,
    clock: Clock | None = None,
    engine: Engine | None = None,
    retry_policy: RetryPolicy | None = None,
) -> Services:
    config = config or load_workspace(settings.madoguchi_config)
    if clock is None:
        from bot.clock_control import clock_from_environment

        clock = clock_from_environment(settings) or SystemClock()
    if retry_policy is None:
        from bot.clock_control import lane_interval_from_environment

        pace = lane_interval_from_environment(settings)
        retry_policy = RetryPolicy(lane_interval=pace) if pace is not None else None
    engine = engine or make_engine(settings.database_url)
    factory = make_session_factory(engine)
    client = web_client(settings, timeout=IN_REQUEST_TIMEOUT_S)
    dispatcher = Dispatcher(
        factory,
        web_client(settings, timeout=OUTBOX_TIMEOUT_S),
        clock=clock,
        policy=retry_policy,
        alert_recipients=config.admin_slack_ids,
    )
    faq = FaqIndex(factory, config, clock_now=clock.now)
    services = Services(
        settings=settings,
        config=config,
        engine=engine,
        session_factory=factory,
        client=client,
        dispatcher=dispatcher,
        locales=LocaleResolver(config, factory, client, clock=clock),
        clock=clock,
        calendar=BusinessCalendar(config.calendar),
        faq=faq,
    )
    # Routing of free text asks the FAQ for the departments of the nearest entries.
    services.extras["faq"] = faq
    # Here, not in a Slack handler: a scheduler-only process delivers App Home refreshes too.
    from bot import outbox_renderers

    outbox_renderers.install(services)
    return services
