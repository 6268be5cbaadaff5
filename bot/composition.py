"""The composition root both processes share: `build_services` builds every long-lived object and
wires the features into each other through explicit lists — the outbox's delivery-time renderers
(bot/outbox_renderers.py, with the App Home sections) and the ticket lifecycle hooks that approvals
fill (bot/lifecycle.py).

Tests and the playground build the same object with a fake Slack URL, a different database or a
manual clock — no patching needed."""

from __future__ import annotations

from sqlalchemy import Engine

from bot import outbox_renderers
from bot.approvals import flow
from bot.calendar import BusinessCalendar
from bot.clock import Clock, SystemClock
from bot.clock_control import clock_from_environment, lane_interval_from_environment
from bot.config import WorkspaceConfig, load_workspace
from bot.faqdesk.index import FaqIndex
from bot.lifecycle import Hooks
from bot.locale import LocaleResolver
from bot.outbox import Dispatcher, RetryPolicy
from bot.reminders import status as reminder_status
from bot.routing.router import Router
from bot.services import IN_REQUEST_TIMEOUT_S, OUTBOX_TIMEOUT_S, Services, web_client
from bot.settings import Settings
from models.db import make_engine, make_session_factory

# Approvals plug into a ticket's life here; without them a submission goes straight to the desk.
APPROVAL_HOOKS = Hooks(
    start_approval=flow.start_approval,
    resume_approval=flow.resume_approval,
    cancel_approval=flow.cancel_approval,
    waiting_on=reminder_status.waiting_line,
)


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
        clock = clock_from_environment(settings) or SystemClock()
    if retry_policy is None:
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
        router=Router(config, faq),  # routing asks the FAQ for the departments of the nearest entries
        lifecycle=APPROVAL_HOOKS,
    )
    # Here, not in a Slack handler: a scheduler-only process delivers App Home refreshes too.
    outbox_renderers.install(services)
    return services
