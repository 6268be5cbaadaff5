"""The composition root's product: every long-lived object the handlers and jobs need, built once
by `bot.composition.build_services`.

Features receive it as an argument. At run time this module imports only the shared kernel (the two
feature objects it holds, the FAQ index and the router, are named for the type checker only), so any
module may name the type without loading the features that the composition root wires together."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.audit_sealer import Sealer
from bot.calendar import BusinessCalendar
from bot.clock import Clock
from bot.config import WorkspaceConfig
from bot.home_opens import OPEN_REFRESH_WINDOW_S, RecentOpens
from bot.lifecycle import Hooks
from bot.locale import LocaleResolver
from bot.outbox import Dispatcher
from bot.receipts.storage import EvidenceStore, evidence_store
from bot.settings import Settings
from bot.web_client import KeepAliveWebClient
from models.db import make_read_session_factory

if TYPE_CHECKING:
    from bot.faqdesk.index import FaqIndex
    from bot.routing.router import Router

# A Web API call made while Slack waits for our ack (views.open) must fail fast, not hang.
IN_REQUEST_TIMEOUT_S = 2
OUTBOX_TIMEOUT_S = 10


@dataclass
class SlackIdentity:
    """What Slack's auth.test said (bot/startup.py identify_bot), read per request by authorize and by
    /healthz; filled at start and again in the background once an unreachable Slack answers."""

    bot_user_id: str | None = None
    bot_id: str | None = None
    # None when Slack accepted the token; else its error (a rejected token), "unreachable" or "slack_error".
    problem: str | None = None


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
    # Free text → department, with the FAQ's nearest entries as a signal; one per process, shared by threads.
    router: Router
    # What approvals do when a ticket is submitted, resubmitted or withdrawn (bot/lifecycle.py).
    lifecycle: Hooks = field(default_factory=Hooks)
    slack_identity: SlackIdentity = field(default_factory=SlackIdentity)

    read_sessions: sessionmaker[Session] = field(init=False, repr=False)
    recent_home_opens: RecentOpens = field(init=False, repr=False)
    # Where receipt and invoice files are kept (config `evidence`).
    evidence: EvidenceStore = field(init=False, repr=False)
    # Seals the audit events a busy moment left unsealed (bot/audit.py).
    sealer: Sealer = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Sessions that only read: on SQLite they never queue behind the writer.
        self.read_sessions = make_read_session_factory(self.engine)
        self.recent_home_opens = RecentOpens(OPEN_REFRESH_WINDOW_S)
        self.evidence = evidence_store(self.config.evidence)
        self.sealer = Sealer(self.session_factory)

    def start_background(self) -> None:
        """The threads every process runs beside its requests or jobs: outbox delivery and audit sealing."""
        self.dispatcher.start()
        self.sealer.start()

    def close(self, *, outbox_timeout: float = 5.0) -> None:
        """`outbox_timeout`: how long the message in hand may take to finish; past it the delivery
        thread is abandoned (it is a daemon) and the message's lease redelivers it."""
        self.dispatcher.stop(outbox_timeout)
        self.sealer.stop()
        self.engine.dispose()


def web_client(settings: Settings, *, timeout: int) -> WebClient:
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return KeepAliveWebClient(token=token, base_url=settings.slack_api_url, timeout=timeout)
