"""Slack tokens at rest: slack_sdk's SQLAlchemy installation store with every token encrypted.

Fernet (cryptography, PyCA: AES-128-CBC with HMAC-SHA256, so a changed ciphertext is refused rather than
decrypted into garbage) under MADOGUCHI_TOKEN_KEY. The store's own tables and queries are slack_sdk's
(created by migration 0021, token columns wide enough for the ciphertext); this class only encrypts what
goes in and decrypts what comes out, so a copy of the database alone gives no usable token."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from cryptography.fernet import Fernet, InvalidToken
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine, select

from bot.settings import Settings, StartupFailed
from models.db import make_engine

log = logging.getLogger(__name__)
TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
KEY_HINT = ('generate one with: python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"')
Record = TypeVar("Record", Installation, Bot)


class TokenUnreadable(RuntimeError):
    """A stored token does not decrypt with this key (another key, or the row was altered)."""


def token_cipher(key: str | None) -> Fernet:
    """The cipher for MADOGUCHI_TOKEN_KEY, or StartupFailed saying what is wrong with it."""
    if not key:
        raise StartupFailed(f"MADOGUCHI_TOKEN_KEY is not set: OAuth mode keeps Slack tokens encrypted; {KEY_HINT}")
    try:
        return Fernet(key.strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise StartupFailed(f"MADOGUCHI_TOKEN_KEY is not a Fernet key (32 bytes, url-safe base64); {KEY_HINT}") \
            from None


def installation_store(settings: Settings, engine: Engine) -> EncryptedInstallationStore:
    """The store of this app's installations in `engine` (DATABASE_URL), under MADOGUCHI_TOKEN_KEY."""
    key = settings.madoguchi_token_key.get_secret_value() if settings.madoguchi_token_key else None
    return EncryptedInstallationStore(str(settings.slack_client_id), engine, token_cipher(key))


@contextmanager
def installations(settings: Settings) -> Iterator[EncryptedInstallationStore]:
    """The installation store for one command; its connections closed after."""
    engine = make_engine(settings.database_url)
    try:
        yield installation_store(settings, engine)
    finally:
        engine.dispose()


class EncryptedInstallationStore(InstallationStore):
    def __init__(self, client_id: str, engine: Engine, cipher: Fernet) -> None:
        self._rows = SQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=log)
        self._cipher = cipher

    @property
    def logger(self) -> logging.Logger:
        return log

    def save(self, installation: Installation) -> None:
        self._rows.save(self._sealed(installation))

    def save_bot(self, bot: Bot) -> None:
        self._rows.save_bot(self._sealed(bot))

    def find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                 is_enterprise_install: bool | None = False) -> Bot | None:
        return self._opened(self._rows.find_bot(enterprise_id=enterprise_id, team_id=team_id,
                                                is_enterprise_install=is_enterprise_install))

    def find_installation(self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None,
                          is_enterprise_install: bool | None = False) -> Installation | None:
        return self._opened(self._rows.find_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id,
            is_enterprise_install=is_enterprise_install))

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._rows.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    def delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                            user_id: str | None = None) -> None:
        self._rows.delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)

    def installations(self) -> list[tuple[str | None, str | None, bool]]:
        """(enterprise id, team id, org-wide) of every installation with a bot: the desks to run."""
        bots = self._rows.bots
        query = (select(bots.c.enterprise_id, bots.c.team_id, bots.c.is_enterprise_install)
                 .where(bots.c.client_id == self._rows.client_id, bots.c.bot_token.is_not(None)).distinct())
        with self._rows.engine.connect() as conn:
            return [(e, t, bool(org)) for e, t, org in conn.execute(query)]

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._rows.delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        self._rows.delete_installation(enterprise_id=enterprise_id, team_id=team_id)

    def _sealed(self, record: Record) -> Record:
        sealed = copy.copy(record)  # the caller's object keeps its plain tokens
        for name in TOKEN_FIELDS:
            value: Any = getattr(sealed, name, None)
            if value:
                setattr(sealed, name, self._cipher.encrypt(value.encode("utf-8")).decode("ascii"))
        return sealed

    def _opened(self, record: Record | None) -> Record | None:
        if record is None:
            return None
        for name in TOKEN_FIELDS:
            value: Any = getattr(record, name, None)
            if value:
                try:
                    setattr(record, name, self._cipher.decrypt(value.encode("ascii")).decode("utf-8"))
                except (InvalidToken, UnicodeError):
                    raise TokenUnreadable(f"the stored {name} of team {record.team_id or record.enterprise_id} "
                                          "does not decrypt with MADOGUCHI_TOKEN_KEY") from None
        return record
