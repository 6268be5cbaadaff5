"""Which language to speak to a user: the config's override, else Slack's users.info, cached."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, SystemClock
from bot.config import WorkspaceConfig
from bot.i18n import normalise_locale
from bot.i18n.mrkdwn import mention
from models import UserProfile
from models.db import make_read_session_factory, upsert

log = logging.getLogger(__name__)
PROFILE_TTL = timedelta(days=1)


class LocaleResolver:
    def __init__(
        self,
        config: WorkspaceConfig,
        session_factory: sessionmaker[Session],
        client: WebClient,
        *,
        clock: Clock | None = None,
    ):
        self._config = config
        self._factory = session_factory
        self._reader = make_read_session_factory(session_factory.kw["bind"])
        self._client = client
        self._clock = clock or SystemClock()
        self._memo: dict[str, tuple[str, object]] = {}
        self._lock = threading.Lock()
        self._inflight: dict[str, threading.Lock] = {}

    def locale(self, user_id: str | None) -> str:
        if not user_id:
            return self._config.default_locale
        person = self._config.person_for_slack_id(user_id)
        if person is not None and person.locale:
            return person.locale
        now = self._clock.now()
        with self._lock:
            hit = self._memo.get(user_id)
        if hit is not None and hit[1] > now:  # type: ignore[operator]
            return hit[0]
        # Concurrent first requests from one user share a single users.info call.
        with self._lock:
            gate = self._inflight.setdefault(user_id, threading.Lock())
        with gate:
            with self._lock:
                hit = self._memo.get(user_id)
            if hit is not None and hit[1] > now:  # type: ignore[operator]
                return hit[0]
            locale = self._from_database(user_id, now) or self._from_slack(user_id, now)
            with self._lock:
                self._memo[user_id] = (locale, now + PROFILE_TTL)
                self._inflight.pop(user_id, None)
        return locale

    def known_locale(self, user_id: str | None) -> str:
        """What is known without the database or Slack: the config, else the memo, else the default."""
        if user_id:
            person = self._config.person_for_slack_id(user_id)
            if person is not None and person.locale:
                return person.locale
            with self._lock:
                hit = self._memo.get(user_id)
            if hit is not None:
                return hit[0]
        return self._config.default_locale

    def _from_database(self, user_id: str, now) -> str | None:  # type: ignore[no-untyped-def]
        with self._reader() as session:
            profile = session.get(UserProfile, user_id)
            if profile is not None and profile.fetched_at + PROFILE_TTL > now:
                return profile.locale
        return None

    def _from_slack(self, user_id: str, now) -> str:  # type: ignore[no-untyped-def]
        try:
            response = self._client.users_info(user=user_id, include_locale=True)
        except (SlackApiError, OSError) as exc:
            # Slack being slow must not cost the user an answer: speak the workspace default.
            log.warning("users.info for %s failed: %s", user_id, exc)
            return self._config.default_locale
        user = response.get("user") or {}
        locale = normalise_locale(user.get("locale")) if user.get("locale") else self._config.default_locale
        profile = user.get("profile") or {}
        row = UserProfile(
            slack_id=user_id,
            locale=locale,
            tz=user.get("tz"),
            name=profile.get("real_name") or user.get("real_name") or user.get("name"),
            email=profile.get("email"),
            fetched_at=now,
        )
        # Stored off the request thread: the caller may be inside a request that holds SQLite's
        # write lock, and this cache write must not wait for (or deadlock with) it.
        threading.Thread(target=self._store, args=(row,), name="profile-cache", daemon=True).start()
        return locale

    def _store(self, row: UserProfile) -> None:
        values = {c.key: getattr(row, c.key) for c in UserProfile.__table__.columns}
        try:
            with self._factory() as session, session.begin():
                upsert(session, UserProfile, values)
        except SQLAlchemyError as exc:  # a lost cache write only costs one more users.info later
            # One line, the error's kind only: its text may quote the row (a name, an e-mail address).
            log.warning("could not cache the profile of %s (%s)", row.slack_id, type(exc).__name__)

    def display_name(self, user_id: str) -> str:
        person = self._config.person_for_slack_id(user_id)
        if person is not None:
            return person.name
        with self._reader() as session:
            profile = session.get(UserProfile, user_id)
            return profile.name if profile and profile.name else mention(user_id)
