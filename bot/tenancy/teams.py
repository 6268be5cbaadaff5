"""One desk per installed workspace: its config file, its database, its Services and Bolt app.

A workspace is keyed by its team id (T…), an Enterprise Grid org-wide install by its enterprise id (E…):
Slack's own rule for which installation answers a request (`is_enterprise_install`). The key picks the
config (`MADOGUCHI_TEAMS_DIR/<key>.yaml`) and the database (MADOGUCHI_TEAM_DATABASE_URL with `{team}`
replaced), so a desk is a whole single-workspace madoguchi: no table is shared, no query can cross.

Desks are built on first use (and for every installation when a process starts), kept while their
installation exists, and re-checked against the installation store every RECHECK_S: an uninstall heard
by another process stops this one's desk within that time."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from slack_sdk.oauth.installation_store import Bot
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.services import Services
from bot.settings import Settings, StartupFailed
from bot.tenancy.tokens import EncryptedInstallationStore, TokenUnreadable
from models.db import is_sqlite, make_engine

log = logging.getLogger(__name__)
RECHECK_S = 30.0
TEAM_KEY = re.compile(r"[A-Z0-9]{2,32}")  # Slack's team and enterprise ids; anything else never reaches a path
PLACEHOLDER = "{team}"


class DeskUnavailable(RuntimeError):
    """A workspace is installed but its desk cannot serve now (its database, or the installations database,
    does not answer); the request is refused so that Slack retries it. Logged where it happens."""


class TeamSetupFailed(RuntimeError):
    """A workspace's desk cannot be set up (its database cannot be created or migrated); one line."""


def team_key(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> str | None:
    """Which installation serves a request: the organisation's for an org-wide install, else the workspace's."""
    key = enterprise_id if is_enterprise_install else team_id
    return key if key and TEAM_KEY.fullmatch(key) else None


def installed(store: EncryptedInstallationStore) -> dict[str, tuple[str | None, str | None, bool]]:
    """Every installation with a bot, by its key: (enterprise id, team id, org-wide)."""
    return {key: (e, t, org) for e, t, org in store.installations() if (key := team_key(e, t, org))}


def installed_bot(store: EncryptedInstallationStore, key: str) -> Bot | None:
    """The bot of the installation `key` names (a workspace, a workspace inside Grid, or an organisation)."""
    found = installed(store).get(key)
    if found is None:
        return None
    enterprise_id, team_id, org = found
    return store.find_bot(enterprise_id=enterprise_id, team_id=None if org else team_id, is_enterprise_install=org)


@dataclass(frozen=True)
class TeamDirectory:
    """Where each workspace's config and database are."""

    configs: Path
    database_url_template: str

    def __post_init__(self) -> None:
        if PLACEHOLDER not in self.database_url_template:
            raise StartupFailed(f"MADOGUCHI_TEAM_DATABASE_URL must contain {PLACEHOLDER}: every workspace has a "
                                "database of its own (e.g. postgresql://db/madoguchi_{team})")

    @classmethod
    def from_settings(cls, settings: Settings) -> TeamDirectory:
        return cls(settings.madoguchi_teams_dir, settings.madoguchi_team_database_url)

    def config_path(self, key: str) -> Path:
        return self.configs / f"{key}.yaml"

    def database_url(self, key: str) -> str:
        return self.database_url_template.replace(PLACEHOLDER, key.lower())

    def settings_for(self, base: Settings, key: str, bot_token: str) -> Settings:
        return base.model_copy(update={"slack_bot_token": SecretStr(bot_token), "slack_client_id": None,
                                       "database_url": self.database_url(key),
                                       "madoguchi_config": self.config_path(key)})


def prepare_database(url: str, revision: str = "head") -> str | None:
    """Creates (PostgreSQL: when missing and the role may) and migrates a workspace's database; its revision."""
    from bot.migrate import current, upgrade

    if not is_sqlite(url):
        _create_postgres_database(url)
    engine = make_engine(url)
    try:
        upgrade(engine, revision)
        return current(engine)
    except OperationalError as exc:
        raise TeamSetupFailed(f"the workspace's database could not be migrated ({type(exc.orig).__name__})") from None
    finally:
        engine.dispose()


def _create_postgres_database(url: str) -> None:
    target = make_url(url)
    name = target.database or ""
    if not re.fullmatch(r"[a-z0-9_]{1,63}", name):
        raise TeamSetupFailed(f"database name {name!r} is not lower-case letters, digits and _")
    server = make_engine(target.set(database="postgres").render_as_string(hide_password=False),
                         isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')  # name checked above: no quoting needed
    except OperationalError as exc:
        raise TeamSetupFailed(f"database {name} does not exist and could not be created "
                              f"({type(exc.orig).__name__}); create it, then install again") from None
    finally:
        server.dispose()


def upgrade_workspaces(settings: Settings, revision: str = "head") -> list[tuple[str, str | None]]:
    """`madoguchi db upgrade` in OAuth mode: every installed workspace's database to `revision` (a release's
    migrations reach each desk, not only the installations database); (key, revision now) for each."""
    from bot.tenancy.tokens import installations

    directory = TeamDirectory.from_settings(settings)
    with installations(settings) as store:
        keys = sorted(installed(store))
    return [(key, prepare_database(directory.database_url(key), revision)) for key in keys]


@dataclass
class Team:
    key: str
    services: Services
    app: Any  # bot.app.MadoguchiApp
    scheduler: Any | None = None
    checked_at: float = field(default_factory=time.monotonic)

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
        self.services.close()


ServicesFactory = Callable[[Settings], Services]


class Teams:
    def __init__(self, settings: Settings, store: EncryptedInstallationStore, directory: TeamDirectory, *,
                 with_scheduler: bool = False, build_services: ServicesFactory | None = None) -> None:
        from bot.composition import build_services as default_build

        self._settings = settings
        self._store = store
        self._directory = directory
        self._with_scheduler = with_scheduler
        self._build_services = build_services or default_build
        self._teams: dict[str, Team] = {}
        self._lock = threading.Lock()  # guards _teams; building one desk holds _building[key] only
        self._building: dict[str, threading.Lock] = {}
        self._closed = False

    # -- requests --------------------------------------------------------------------------------
    def app_for(self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> Any:
        """The Bolt app of the desk that serves this request, or None (not installed, or not set up)."""
        key = team_key(enterprise_id, team_id, is_enterprise_install)
        if key is None:
            return None
        team = self._teams.get(key)
        if team is not None and time.monotonic() - team.checked_at < RECHECK_S:
            return team.app
        return self._refresh(key, enterprise_id, team_id, bool(is_enterprise_install))

    def _refresh(self, key: str, enterprise_id: str | None, team_id: str | None, org: bool) -> Any:
        with self._lock:
            building = self._building.setdefault(key, threading.Lock())
        with building:
            team = self._teams.get(key)
            try:
                bot = self._find(enterprise_id, None if org else team_id, org)
            except DeskUnavailable:
                if team is not None:  # the installations database is down: a desk already running goes on
                    return team.app
                raise
            if bot is None:
                if team is not None:
                    log.info("workspace %s is no longer installed; its desk stops", key)
                    self._drop(key)
                return None
            if team is not None:
                team.checked_at = time.monotonic()
                return team.app
            team = self._build(key, bot)
            return team.app if team is not None else None

    def _find(self, enterprise_id: str | None, team_id: str | None, org: bool) -> Bot | None:
        try:
            return self._store.find_bot(enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=org)
        except TokenUnreadable as exc:
            log.error("%s", exc)
            return None
        except SQLAlchemyError as exc:
            log.warning("could not read the installations (%s)", type(exc).__name__)
            raise DeskUnavailable("installations database") from None

    def _build(self, key: str, bot: Bot) -> Team | None:
        from bot.app import build_app
        from bot.config import ConfigError

        path = self._directory.config_path(key)
        settings = self._directory.settings_for(self._settings, key, str(bot.bot_token))
        try:
            services = self._build_services(settings)
        except (ConfigError, OSError, StartupFailed) as exc:
            log.warning("workspace %s is installed but has no usable config at %s (%s)", key, path,
                        type(exc).__name__)
            return None
        except Exception as exc:  # its database: the next request tries again
            log.error("workspace %s: its desk could not start (%s)", key, type(exc).__name__)
            raise DeskUnavailable(key) from None
        services.slack_identity.bot_user_id = bot.bot_user_id
        services.slack_identity.bot_id = bot.bot_id
        try:
            app = build_app(settings, services=services, installation_store=self._store)
        except Exception as exc:  # the FAQ index reads its database
            log.error("workspace %s: its desk could not start (%s)", key, type(exc).__name__)
            services.close()
            raise DeskUnavailable(key) from None
        services.start_background()
        scheduler = None
        if self._with_scheduler:
            from bot.jobs import JOBS
            from bot.scheduler import Scheduler

            scheduler = Scheduler(services, JOBS)
            scheduler.start()
        team = Team(key, services, app, scheduler)
        with self._lock:
            if self._closed:
                team.stop()
                return None
            self._teams[key] = team
        log.info("workspace %s: desk ready", key)
        return team

    # -- installs and uninstalls -------------------------------------------------------------------
    def installed(self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool) -> None:
        """After the OAuth redirect stored an installation: the desk's database, then the desk itself."""
        key = team_key(enterprise_id, team_id, is_enterprise_install)
        if key is None:
            raise TeamSetupFailed("Slack named no team or enterprise for this installation")
        prepare_database(self._directory.database_url(key))
        self._drop(key)  # a reinstall brings a new token
        self.app_for(enterprise_id, team_id, is_enterprise_install)

    def uninstall(self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool) -> None:
        """app_uninstalled / tokens_revoked: the tokens are deleted and the desk's threads and jobs stop.
        Its database stays: tickets and the audit trail are the company's records."""
        key = team_key(enterprise_id, team_id, is_enterprise_install)
        if key is None:
            return
        self._store.delete_all(enterprise_id=enterprise_id, team_id=None if is_enterprise_install else team_id)
        self._drop(key)
        log.info("workspace %s uninstalled: tokens deleted, desk stopped", key)

    def sync(self) -> None:
        """A desk for every installation and none for the rest: at a process start (so no first request
        waits for a desk to be built) and, in the scheduler, every RECHECK_S (its jobs follow installs)."""
        now_installed = installed(self._store)
        for key in set(self.keys()) - set(now_installed):
            log.info("workspace %s is no longer installed; its desk stops", key)
            self._drop(key)
        for enterprise_id, team_id, org in now_installed.values():
            self.app_for(enterprise_id, team_id, org)

    def keys(self) -> list[str]:
        with self._lock:
            return sorted(self._teams)

    def services(self, key: str) -> Services | None:
        team = self._teams.get(key)
        return team.services if team is not None else None

    def scheduler(self, key: str) -> Any | None:
        team = self._teams.get(key)
        return team.scheduler if team is not None else None

    def _drop(self, key: str) -> None:
        with self._lock:
            team = self._teams.pop(key, None)
        if team is not None:
            team.stop()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            teams, self._teams = list(self._teams.values()), {}
        for team in teams:
            team.stop()
