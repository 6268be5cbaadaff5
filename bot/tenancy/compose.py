"""OAuth mode's composition root: the installation store on DATABASE_URL, the desks, the install flow and
the WSGI app in front of them. `serve` (each worker) and `scheduler` build it here, nowhere else."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from slack_bolt.oauth import OAuthFlow
from sqlalchemy import Engine

from bot.settings import MissingSetting, Settings, StartupFailed
from bot.tenancy.oauth import oauth_flow
from bot.tenancy.teams import RECHECK_S, ServicesFactory, TeamDirectory, Teams
from bot.tenancy.tokens import EncryptedInstallationStore, installation_store, token_cipher
from bot.tenancy.wsgi import TeamsWsgiApp
from models.db import make_engine

log = logging.getLogger(__name__)


def check_oauth_settings(settings: Settings) -> None:
    """Every problem with OAuth mode's settings as one line, before anything starts."""
    if settings.socket_mode:
        raise StartupFailed("OAuth mode (SLACK_CLIENT_ID) serves Slack over HTTP: unset SLACK_APP_TOKEN")
    missing = [name for name, value in (("SLACK_CLIENT_SECRET", settings.slack_client_secret),
                                        ("SLACK_SIGNING_SECRET", settings.slack_signing_secret),
                                        ("MADOGUCHI_TOKEN_KEY", settings.madoguchi_token_key)) if value is None]
    if missing:
        raise MissingSetting("missing environment for OAuth mode: " + ", ".join(missing) + ". See README, "
                             "'Connecting to Slack'.")
    token_cipher(settings.madoguchi_token_key.get_secret_value())  # type: ignore[union-attr]
    TeamDirectory.from_settings(settings)


@dataclass
class MultiWorkspace:
    registry: Engine
    store: EncryptedInstallationStore
    teams: Teams
    flow: OAuthFlow

    def wsgi(self, settings: Settings) -> TeamsWsgiApp:
        return TeamsWsgiApp(self.teams, self.flow, self.registry, signing_secret=settings.signing_secret())

    def close(self) -> None:
        self.teams.close()
        self.registry.dispose()


def build_multi_workspace(settings: Settings, *, with_scheduler: bool = False,
                          build_services: ServicesFactory | None = None) -> MultiWorkspace:
    check_oauth_settings(settings)
    registry = make_engine(settings.database_url)  # the installations, apart from every workspace's database
    store = installation_store(settings, registry)
    teams = Teams(settings, store, TeamDirectory.from_settings(settings), with_scheduler=with_scheduler,
                  build_services=build_services)
    return MultiWorkspace(registry, store, teams, oauth_flow(settings, store, registry, teams.installed))


def run_teams_scheduler(settings: Settings, stop: threading.Event) -> int:
    """`madoguchi scheduler` in OAuth mode: each installed workspace's jobs and outbox, following installs and
    uninstalls every RECHECK_S, until `stop` is set."""
    multi = build_multi_workspace(settings, with_scheduler=True)
    try:
        while True:
            try:
                multi.teams.sync()
            except Exception as exc:  # the registry database is down: the desks already running go on
                log.warning("could not read the installations (%s); trying again in %.0f s", type(exc).__name__,
                            RECHECK_S)
            if stop.wait(RECHECK_S):
                return 0
    finally:
        multi.close()
