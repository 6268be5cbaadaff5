"""The environment contract (README, "Environment") and loading of the workspace config file.

Secrets are `SecretStr` so that a settings object printed in a log never shows a token.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///madoguchi.db"
BUNDLED_CONFIG = Path(__file__).parent / "config" / "example.yaml"


class MissingSetting(RuntimeError):
    """A value the chosen mode needs is not set: the message says which and how to set it."""


class StartupFailed(RuntimeError):
    """The process cannot start (or a command cannot run): the message is one line for the operator,
    saying what is wrong and what to do; the CLI prints it without a traceback and exits 2."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default=DEFAULT_SLACK_API_URL, alias="SLACK_API_URL")
    database_url: str = Field(default=DEFAULT_DATABASE_URL, alias="DATABASE_URL")
    madoguchi_config: Path = Field(default=BUNDLED_CONFIG, alias="MADOGUCHI_CONFIG")
    port: int = Field(default=3000, alias="PORT", ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO", alias="LOG_LEVEL")
    # 国税庁 適格請求書発行事業者公表システム Web-API: with an application id, a receipt's 登録番号 is looked up as
    # registered (or not) on its transaction date (bot/receipts/registry.py). Never required.
    nta_application_id: SecretStr | None = Field(default=None, alias="NTA_APPLICATION_ID")
    nta_api_url: str = Field(default="https://web-api.invoice-kohyo.nta.go.jp/1/", alias="NTA_API_URL")
    # OAuth mode (bot/tenancy): installed by many workspaces instead of one SLACK_BOT_TOKEN.
    slack_client_id: str | None = Field(default=None, alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(default=None, alias="SLACK_CLIENT_SECRET")
    madoguchi_token_key: SecretStr | None = Field(default=None, alias="MADOGUCHI_TOKEN_KEY")
    # Each workspace's config is <dir>/<team id>.yaml (an org-wide install: <enterprise id>.yaml) ...
    madoguchi_teams_dir: Path = Field(default=Path("teams"), alias="MADOGUCHI_TEAMS_DIR")
    # ... and its database this URL with {team} replaced by the id in lower case.
    madoguchi_team_database_url: str = Field(default="sqlite:///madoguchi-{team}.db",
                                             alias="MADOGUCHI_TEAM_DATABASE_URL")

    @field_validator("slack_api_url", "nta_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        # slack_sdk joins base_url + method name without adding a slash.
        return value if value.endswith("/") else value + "/"

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", "slack_client_id",
                     "slack_client_secret", "madoguchi_token_key", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def oauth_mode(self) -> bool:
        """Installed by many workspaces (SLACK_CLIENT_ID set, no single SLACK_BOT_TOKEN)."""
        return self.slack_client_id is not None and self.slack_bot_token is None

    def client_secret(self) -> str:
        if self.slack_client_secret is None:
            raise MissingSetting("SLACK_CLIENT_SECRET is not set (Basic Information → App Credentials).")
        return self.slack_client_secret.get_secret_value()

    def bot_token(self) -> str:
        if self.slack_bot_token is None:
            raise MissingSetting("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…). See README: Slack app setup.")
        return self.slack_bot_token.get_secret_value()

    def signing_secret(self) -> str:
        if self.slack_signing_secret is None:
            raise MissingSetting(
                "SLACK_SIGNING_SECRET is not set (Basic Information → App Credentials → Signing Secret)."
            )
        return self.slack_signing_secret.get_secret_value()

    def app_token(self) -> str:
        if self.slack_app_token is None:
            raise MissingSetting("SLACK_APP_TOKEN is not set (an xapp- token with connections:write).")
        return self.slack_app_token.get_secret_value()

    def require_for_serve(self) -> None:
        """Fail early, naming every missing variable for the chosen mode."""
        missing = []
        if self.slack_bot_token is None:
            missing.append("SLACK_BOT_TOKEN")
        if not self.socket_mode and self.slack_signing_secret is None:
            missing.append("SLACK_SIGNING_SECRET")
        if missing:
            raise MissingSetting(
                "missing environment: " + ", ".join(missing) + ". Run `madoguchi manifest` and see README."
            )


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]


def is_loopback_url(url: str) -> bool:
    """True when the URL names this machine: a local fake Slack, never slack.com."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
