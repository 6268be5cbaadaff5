"""What the fake workspace remembers: messages, ephemerals, views, files, trigger ids.

Mutated only by the Web API method handlers (under the server's lock) and by the helpers tests and the
playground use to act as a human (`user_says`). Everything is plain dicts in Slack's own shapes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from bot.fakeslack.directory import FakeChannel, FakeUser, bot_user
from bot.fakeslack.ids import (
    API_APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
    Clock,
    IdSource,
    TsSource,
    new_trigger_id,
    view_hash,
)


class ApiError(Exception):
    """Answer `{"ok": false, "error": error}` (HTTP 200, as Slack does for API-level errors)."""

    def __init__(self, error: str, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


@dataclass
class Trigger:
    user_id: str | None
    issued_at: float
    used: bool = False


@dataclass
class FakeFile:
    id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str = ""
    channels: list[str] = field(default_factory=list)
    user: str = BOT_USER_ID  # who uploaded it
    mimetype: str = "application/octet-stream"
    url_private: str = ""  # on this server (FILES_PATH); downloads need the bot token, as on Slack
    created: int = 0
    broken: bool = False  # its download fails with a 500: Slack's file storage having a bad moment
    hidden: bool = False  # the app may not read it: its download answers the sign-in page, as without the token

    def to_slack(self) -> dict[str, Any]:
        shaped = {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.filename,
            "title": self.title or self.filename,
            "mimetype": self.mimetype,
            "filetype": self.filename.rsplit(".", 1)[-1].lower() if "." in self.filename else "binary",
            "size": len(self.content or b""),
            "user": self.user,
            "is_external": False,
            "channels": list(self.channels),
            "permalink": f"https://{TEAM_DOMAIN}.slack.com/files/{self.user}/{self.id}/{self.filename}",
        }
        if self.url_private:
            shaped["url_private"] = self.url_private
            shaped["url_private_download"] = self.url_private + "?download=1"
        return shaped


@dataclass
class ResponseTarget:
    """Where a response_url minted by the fake delivers: the channel, the clicking user, the message."""

    channel: str
    user_id: str | None
    message_ts: str | None
    uses: int = 0


UNKNOWN_USER = "?"  # modal stack key when a trigger id did not come from issue_trigger()


class FakeWorkspace:
    def __init__(
        self, *, clock: Clock, users: list[FakeUser], channels: list[FakeChannel], trigger_ttl: float = 3.0
    ) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.base_url = ""  # http://127.0.0.1:<port>/ once the server is bound; upload URLs point here
        self.socket_mode_url = ""  # ws://127.0.0.1:<port>/ when a FakeSocketMode is attached
        self.team = {"id": TEAM_ID, "name": TEAM_NAME, "domain": TEAM_DOMAIN}
        self.bot = {"user_id": BOT_USER_ID, "bot_id": BOT_ID, "app_id": API_APP_ID}
        self.users: dict[str, FakeUser] = {u.id: u for u in [bot_user(), *users]}
        self.channels: dict[str, FakeChannel] = {c.id: c for c in channels}
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.ephemerals: dict[str, list[dict[str, Any]]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.view_owner: dict[str, str] = {}
        self.modal_stacks: dict[str, list[str]] = {}
        self.files: dict[str, FakeFile] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseTarget] = {}
        # The agent surface: prompts by (DM, thread or None), and each thread's statuses in the order set.
        self.assistant_prompts: dict[tuple[str, str | None], dict[str, Any]] = {}
        self.assistant_status: dict[tuple[str, str], list[str]] = {}
        # Workflow Builder runs of the app's steps: execution id → {function, inputs, state, outputs, error}.
        self.function_executions: dict[str, dict[str, Any]] = {}
        self.function_execution_ids = IdSource("Fx")
        # OAuth installs (api_oauth): one-time codes → oauth.v2.access answers; the bot tokens they issued.
        self.oauth_codes: dict[str, dict[str, Any]] = {}
        self.installed_tokens: dict[str, dict[str, Any]] = {}
        self.revoked_tokens: set[str] = set()
        self.trigger_ttl = trigger_ttl
        self.ts = TsSource(clock)
        self.view_ids = IdSource("V")
        self.file_ids = IdSource("F")

    # -- ids -----------------------------------------------------------------------------------
    def new_hash(self) -> str:
        return view_hash(self.clock)

    def dm_channel(self, user_id: str) -> str:
        """The bot's DM channel with a user: stable, "D" + the user id without its U/W prefix."""
        channel_id = "D" + user_id[1:]
        if channel_id not in self.channels:
            self.channels[channel_id] = FakeChannel(id=channel_id, im_user=user_id, members=[user_id])
        return channel_id

    def resolve_channel(self, channel: str) -> str:
        """chat.postMessage to a user id posts in the bot's DM with that user, as Slack does."""
        if channel[:1] in ("U", "W"):
            return self.dm_channel(channel)
        if channel not in self.channels:
            # Unknown channels are created on first post: tests name channels freely.
            self.channels[channel] = FakeChannel(
                id=channel, name=channel.lower(), is_private=channel[:1] == "G"
            )
        return channel

    # -- messages ------------------------------------------------------------------------------
    def find_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.messages.get(channel, []) if m["ts"] == ts), None)

    def add_message(self, channel: str, message: dict[str, Any]) -> dict[str, Any]:
        thread_ts = message.get("thread_ts")
        if thread_ts:
            parent = self.find_message(channel, thread_ts)
            if parent is not None:
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                parent.setdefault("thread_ts", thread_ts)
        self.messages.setdefault(channel, []).append(message)
        return message

    def user_message(
        self, channel: str, user_id: str, text: str, thread_ts: str | None = None
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": user_id,
            "text": text,
            "ts": self.ts.next(),
            "team": TEAM_ID,
        }
        if thread_ts:
            message["thread_ts"] = thread_ts
        return self.add_message(channel, message)

    # -- trigger ids ---------------------------------------------------------------------------
    def issue_trigger(self, user_id: str) -> str:
        trigger_id = new_trigger_id()
        self.triggers[trigger_id] = Trigger(user_id=user_id, issued_at=self.clock())
        return trigger_id

    def use_trigger(self, trigger_id: Any) -> str:
        """Spend a trigger id: once only, and within trigger_ttl when the fake issued it. Returns its user."""
        if not isinstance(trigger_id, str) or not trigger_id:
            raise ApiError("invalid_trigger_id")
        trigger = self.triggers.get(trigger_id)
        if trigger is None:
            # Ids made up by a test (not from issue_trigger) are accepted once; their user is unknown.
            trigger = self.triggers[trigger_id] = Trigger(user_id=None, issued_at=self.clock())
        if trigger.used:
            raise ApiError("exchanged_trigger_id")
        if self.clock() - trigger.issued_at > self.trigger_ttl:
            raise ApiError("expired_trigger_id")
        trigger.used = True
        return trigger.user_id or UNKNOWN_USER
