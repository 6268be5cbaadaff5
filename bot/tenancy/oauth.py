"""The install flow: `/slack/install` sends an admin to Slack's consent page with a fresh state (cookie and
database, so the redirect can only complete in the browser that started it), `/slack/oauth_redirect`
exchanges the code for the bot token (oauth.v2.access), stores the installation encrypted and sets up the
workspace's desk. Bolt's OAuthFlow does the protocol; madoguchi supplies the stores and the pages, in
Japanese first (an installing admin reads the page in a browser, where the workspace's locale is unknown)."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.sqlalchemy_utils import normalize_datetime_for_db
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

from bot.manifest import BOT_SCOPES
from bot.settings import Settings
from bot.tenancy.teams import TeamSetupFailed
from bot.tenancy.tokens import EncryptedInstallationStore

log = logging.getLogger(__name__)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_TTL_S = 600
AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"

OnInstalled = Callable[[str | None, str | None, bool], None]  # enterprise id, team id, org-wide


class InstallStates(SQLAlchemyOAuthStateStore):
    """slack_sdk's state store, with two changes: anyone may open /slack/install, so each new state first
    removes the expired ones (the table holds at most STATE_TTL_S of them, however often it is opened); and a
    failed lookup is logged without the state itself (a value from an unauthenticated request)."""

    def issue(self, *args: Any, **kwargs: Any) -> str:
        now = normalize_datetime_for_db(datetime.now(tz=UTC))
        with self.engine.begin() as conn:
            conn.execute(self.oauth_states.delete().where(self.oauth_states.c.expire_at <= now))
        return super().issue(*args, **kwargs)

    def consume(self, state: str) -> bool:
        now = normalize_datetime_for_db(datetime.now(tz=UTC))
        c = self.oauth_states.c
        try:
            with self.engine.begin() as conn:
                deleted = conn.execute(self.oauth_states.delete().where(c.state == state, c.expire_at > now))
                return bool(deleted.rowcount)
        except Exception as exc:
            log.warning("could not check an install's state (%s)", type(exc).__name__)
            return False


def page(status: int, title: str, lines: list[str]) -> BoltResponse:
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return BoltResponse(status=status, headers={"Content-Type": "text/html; charset=utf-8"},
                        body=f'<!doctype html><html lang="ja"><meta charset="utf-8"><title>{html.escape(title)}'
                             f"</title><body><h1>{html.escape(title)}</h1>{body}</body></html>")


def oauth_flow(settings: Settings, store: EncryptedInstallationStore, registry: Engine,
               on_installed: OnInstalled) -> OAuthFlow:
    def success(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        try:
            on_installed(installation.enterprise_id, installation.team_id, bool(installation.is_enterprise_install))
        except Exception as exc:  # the admin gets a page, the operator one line (a TeamSetupFailed says why)
            why = str(exc) if isinstance(exc, TeamSetupFailed) else type(exc).__name__
            log.error("install of %s stored, but its desk could not be set up: %s",
                      installation.team_id or installation.enterprise_id, why)
            return page(500, "madoguchi: 設定を完了できませんでした",
                        ["インストールは記録されましたが、このワークスペース用のデータベースを準備できませんでした。管理者にご連絡ください。",
                         "The app was installed, but its database for this workspace could not be prepared. "
                         "Please contact your administrator."])
        key = installation.team_id if not installation.is_enterprise_install else installation.enterprise_id
        log.info("installed in %s", key)
        return page(200, "madoguchi をインストールしました",
                    ["Slack に戻って、madoguchi の App Home を開いてください。",
                     "madoguchi is installed. Go back to Slack and open its App Home."])

    def failure(args: FailureArgs) -> BoltResponse:
        # Slack's error codes and Bolt's reasons (invalid_browser, invalid_state, ...) are ids, not content.
        log.warning("an install did not complete: %s", args.reason)
        return page(args.suggested_status_code, "madoguchi: インストールできませんでした",
                    ["もう一度インストールを始めてください。続く場合は管理者にご連絡ください。",
                     "The install did not complete. Please start it again; if this keeps happening, "
                     "contact your administrator."])

    oauth = OAuthSettings(
        client_id=settings.slack_client_id, client_secret=settings.client_secret(), scopes=list(BOT_SCOPES),
        installation_store=store, installation_store_bot_only=True,
        state_store=InstallStates(expiration_seconds=STATE_TTL_S, engine=registry, logger=log),
        state_expiration_seconds=STATE_TTL_S, install_path=INSTALL_PATH, redirect_uri_path=REDIRECT_PATH,
        install_page_rendering_enabled=False, authorization_url=AUTHORIZE_URL,
        callback_options=CallbackOptions(success=success, failure=failure), logger=log,
    )
    return OAuthFlow(client=WebClient(base_url=settings.slack_api_url), settings=oauth)
