"""The workspaces that installed madoguchi (OAuth mode, bot/tenancy): slack_sdk's own installation, bot and
OAuth state tables, declared here so that Alembic creates and checks them like every other table.

The shapes are slack_sdk's (its SQLAlchemy stores query these exact columns); only the token columns are
wider, for the Fernet ciphertext madoguchi stores in them (bot/tenancy/tokens.py): a 200-character column
holds a bot token's ciphertext but not a rotating refresh token's."""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import String, Table

from models.base import Base

SEALED_TOKEN_LENGTH = 1000
TOKEN_COLUMNS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")


def _sealed_tokens(table: Table) -> Table:
    for name in TOKEN_COLUMNS:
        if name in table.c:
            table.c[name].type = String(SEALED_TOKEN_LENGTH)
    return table


slack_installations = _sealed_tokens(SQLAlchemyInstallationStore.build_installations_table(
    Base.metadata, SQLAlchemyInstallationStore.default_installations_table_name))
slack_bots = _sealed_tokens(SQLAlchemyInstallationStore.build_bots_table(
    Base.metadata, SQLAlchemyInstallationStore.default_bots_table_name))
slack_oauth_states = SQLAlchemyOAuthStateStore.build_oauth_states_table(
    Base.metadata, SQLAlchemyOAuthStateStore.default_table_name)
