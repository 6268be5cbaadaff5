"""Transactional outbox: the only code that sends chat messages to Slack.

Services call `enqueue` inside the transaction that changes state, so a message exists if and only
if the change committed. The `Dispatcher` delivers after commit, in order per lane (a channel, a
DM, a user's Home), at most one chat.postMessage per second per lane, with bounded retries,
jittered exponential backoff, Retry-After on 429, and a dead letter plus an admin alert after the
last attempt.

Posts are exactly-once in effect. Every chat.postMessage carries its outbox id in Slack message
metadata (event_type "madoguchi_outbox"). When an attempt's outcome is unknown — the connection broke
after the request was sent, the answer came later than the client's timeout, or the lease of a worker
that died mid-send ran out — the message is marked `unsure_since` and, before any new attempt, the
dispatcher looks for it in the channel (conversations.history / .replies with include_all_metadata,
from shortly before the first doubtful attempt; a DM addressed by user id is first resolved with
conversations.open). Found: recorded as sent with its ts, not posted again. Not found: posted. The
lookup failing: tried again later, never posted blind. A clear failure (an HTTP error or ok:false
answer, a connection that could not be made or sent on) is retried without looking. The digest
chart (files_upload_v2) is found the same way by its file name. chat.update, views.publish and
response_url replacements are idempotent; chat.postEphemeral cannot be looked up (ephemeral
messages are in no history), so it stays at-least-once.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlalchemy import func, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, SystemClock
from bot.settings import is_loopback_url
from models import HomeViewer, LaneThrottle, OutboxMessage, SlackMessageRef
from models.db import is_sqlite, make_read_session_factory, within

log = logging.getLogger(__name__)

PENDING, SENDING, SENT, DEAD = "pending", "sending", "sent", "dead"
CHAT_POST = "chat.postMessage"
HOME_REFRESH = "home.refresh"
RESPONSE_URL = "response_url"
# Set in Session.info by enqueue: the request's commit has something for the dispatcher to deliver.
ENQUEUED = "madoguchi_outbox_enqueued"
# files_upload_v2 is three calls plus the bytes, not one api_call: payload {channel, filename, title,
# initial_comment, content_b64}; delivered by slack_sdk's helper, classified like any other failure.
# What only decorates a conversation (the agent surface's prompts and status): one attempt, and no admin alert when
# it fails; a retry would hold the DM's lane, and the answer behind it, for a status nobody needs any more.
COSMETIC = frozenset({"assistant.threads.setSuggestedPrompts", "assistant.threads.setStatus"})
# The end of a Workflow Builder run (bot/workflow_steps/runs.py): Slack's own state makes a repeat harmless.
FUNCTION_ENDINGS = frozenset({"functions.completeSuccess", "functions.completeError"})
FILES_UPLOAD = "files.upload_v2"
# Slack answers ok:false with these when the fault is theirs or transient; anything else
# (channel_not_found, invalid_blocks, not_in_channel…) will not heal by retrying.
# Message metadata stamped on every post: how a post whose answer was lost is found again.
METADATA_EVENT = "madoguchi_outbox"
# The lookup reads from this long before the first doubtful attempt (clock skew between us and Slack).
LOOKUP_MARGIN_S = 120.0
LOOKUP_PAGE_SIZE = 200
LOOKUP_MAX_PAGES = 5
# Answers that may come from a gateway in front of Slack after the request went through.
AMBIGUOUS_HTTP = frozenset({502, 504})
RETRYABLE_ERRORS = frozenset(
    {"ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)

# Posts that can be looked for in Slack after an attempt whose outcome is unknown.
VERIFIABLE = frozenset({CHAT_POST, FILES_UPLOAD})

Renderer = Callable[[Session, dict[str, Any]], tuple[str, dict[str, Any]] | None]


def enqueue(
    session: Session,
    method: str,
    payload: dict[str, Any],
    *,
    lane: str | None = None,
    ref: str | None = None,
    target_ref: str | None = None,
    dedupe_key: str | None = None,
    is_alert: bool = False,
) -> OutboxMessage | None:
    """Add a message to the outbox in the caller's transaction.

    `ref` remembers where the posted message landed; a later message with `target_ref` set to that
    name is delivered to it (chat.update edits it, chat.postMessage replies in its thread).
    Returns None when `dedupe_key` says the message was already enqueued.
    """
    if dedupe_key is not None:
        exists = session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
        if exists is not None:
            return None
    session.info[ENQUEUED] = True
    cosmetic = method in COSMETIC
    message = OutboxMessage(
        method=method,
        lane=lane or _lane_for(method, payload, target_ref),
        payload=payload,
        ref=ref,
        target_ref=target_ref,
        dedupe_key=dedupe_key,
        is_alert=is_alert,
        **({"max_attempts": 1} if cosmetic else {}),
    )
    session.add(message)
    return message


def post(session: Session, channel: str, text: str, blocks: list[dict] | None = None, **kw: Any) -> Any:
    """chat.postMessage; a user id as channel posts to that user's DM with the bot."""
    payload: dict[str, Any] = {"channel": channel, "text": text}
    if blocks is not None:
        payload["blocks"] = blocks
    payload.update({k: v for k, v in kw.items() if k not in _OPTIONS and v is not None})
    return enqueue(session, "chat.postMessage", payload, **{k: kw[k] for k in _OPTIONS if k in kw})


def update(session: Session, target_ref: str, text: str, blocks: list[dict] | None = None, **kw: Any) -> Any:
    payload: dict[str, Any] = {"text": text}
    if blocks is not None:
        payload["blocks"] = blocks
    return enqueue(session, "chat.update", payload, target_ref=target_ref, lane=f"ref:{target_ref}", **kw)


def ephemeral(session: Session, channel: str, user: str, text: str, blocks: list[dict] | None = None) -> Any:
    payload: dict[str, Any] = {"channel": channel, "user": user, "text": text}
    if blocks is not None:
        payload["blocks"] = blocks
    return enqueue(session, "chat.postEphemeral", payload)


def respond(session: Session, response_url: str, payload: dict[str, Any]) -> Any:
    """POST to an interaction's response_url (e.g. replace an ephemeral answer in place)."""
    return enqueue(session, RESPONSE_URL, {"url": response_url, "body": payload},
                   lane="respond:" + response_url[-40:])


def home_refresh_pending(session: Session, user: str) -> bool:
    return session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.status == PENDING,
            OutboxMessage.method == HOME_REFRESH,
            OutboxMessage.lane == f"home:{user}",
        ).limit(1)
    ) is not None


def refresh_home(session: Session, user: str) -> Any:
    """Ask for the user's App Home to be re-rendered from fresh data at delivery time.

    Only for someone who has opened Home (bot/home.py opened records them): Slack sends
    app_home_opened on every switch to the tab and that open renders afresh, so publishing to a Home
    nobody has opened is work (the outbox's most expensive) and a rate-limited call for nothing.
    Coalesced: many changes in a burst become one views.publish."""
    if session.get(HomeViewer, user) is None or home_refresh_pending(session, user):
        return None
    return enqueue(session, HOME_REFRESH, {"user": user}, lane=f"home:{user}")


_OPTIONS = ("ref", "target_ref", "dedupe_key", "is_alert", "lane")


def _lane_for(method: str, payload: dict[str, Any], target_ref: str | None) -> str:
    if target_ref is not None:
        return f"ref:{target_ref}"
    if method == HOME_REFRESH or method == "views.publish":
        return f"home:{payload.get('user') or payload.get('user_id')}"
    return str(payload.get("channel") or payload.get("user") or method)


@dataclass
class RetryPolicy:
    base_delay: float = 2.0
    max_delay: float = 300.0
    lease: float = 60.0
    lane_interval: float = 1.0
    # One App Home publish per person per interval: opening Home repeatedly, or a burst of changes,
    # coalesces into the pending refresh instead of re-rendering every time (views.publish is
    # rate-limited by Slack, and rendering is the outbox's most expensive work).
    home_interval: float = 1.0
    # After an attempt whose outcome is unknown, wait at least this long before looking for it: a
    # request slower than our client's timeout may still be landing in Slack.
    settle: float = 30.0
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempts: int, retry_after: float | None) -> float:
        # Full jitter keeps many replicas from retrying in lock-step; Retry-After is a floor.
        ceiling = min(self.max_delay, self.base_delay * (2 ** max(0, attempts - 1)))
        delay = self.rng.uniform(ceiling / 2, ceiling)
        return max(delay, retry_after or 0.0)


@dataclass(frozen=True)
class Failure:
    error: str
    retryable: bool
    retry_after: float | None = None
    ambiguous: bool = False  # the request may have taken effect: look before trying again


class Dispatcher:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        client: WebClient,
        *,
        clock: Clock | None = None,
        wall_clock: Clock | None = None,
        policy: RetryPolicy | None = None,
        alert_recipients: Callable[[], Iterable[str]] = lambda: (),
        renderers: dict[str, Renderer] | None = None,
        batch_size: int = 50,
        poll_interval: float = 1.0,
        db_stall: float = 15.0,
        max_outage_poll: float = 10.0,
    ):
        self._factory = session_factory
        self._client = client
        # We retry through the outbox; slack_sdk's own retry handlers would sleep inside a send.
        self._client.retry_handlers = []
        self._clock = clock or SystemClock()
        # Leases are measured on the real clock: a simulated services clock moved ahead (playground,
        # bench) must not end the lease of a post still in Slack's hands, or a second dispatcher posts
        # it again. Everything Slack sees (retry times, lookup bounds) stays on the services clock.
        self._wall = wall_clock or SystemClock()
        self._policy = policy or RetryPolicy()
        self._alert_recipients = alert_recipients
        self._renderers = renderers or {}
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sqlite = is_sqlite(session_factory.kw["bind"])
        self._reader = make_read_session_factory(session_factory.kw["bind"])
        # A database call of the delivery thread silent for longer than this is cut (its socket shut
        # down): a connection black-holed by the network answers nothing, ever, and neither the
        # server's statement_timeout nor TCP keepalives end a wait on a peer that still ACKs.
        self._db_stall = db_stall
        self._max_outage_poll = max_outage_poll
        self._claims: dict[int, int] = {}  # message id -> the attempt number our claim gave it
        self._unrecorded: dict[int, dict[str, Any]] = {}  # delivered, not yet recorded (database down)

    def register_renderer(self, method: str, renderer: Renderer) -> None:
        """Messages with this pseudo-method are rendered from fresh data at delivery time."""
        self._renderers[method] = renderer

    # -- running --------------------------------------------------------------------------
    def notify(self) -> None:
        """Something was committed to the outbox: deliver without waiting for the next poll."""
        self._wake.set()

    @property
    def notified(self) -> bool:
        """A notify() the delivery loop has not picked up yet."""
        return self._wake.is_set()

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="outbox-dispatcher", daemon=True)
            self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        down_since: float | None = None  # the database stopped answering (monotonic time)
        failed_rounds = 0
        while not self._stop.is_set():
            try:
                delivered = self.run_once()
            except Exception as exc:
                if self._stop.is_set():  # a round cut short by the stop (a poll behind a lock): no outage
                    break
                delivered = 0
                failed_rounds += 1
                if down_since is None:  # once per outage, not once per poll
                    down_since = time.monotonic()
                    _log_outage(exc)
            else:
                if down_since is not None:
                    log.warning("outbox dispatcher: database answering again after %.1fs (%d failed rounds); "
                                "delivering", time.monotonic() - down_since, failed_rounds)
                    down_since, failed_rounds = None, 0
            if delivered == 0:
                wait = self._poll_interval
                if down_since is not None:
                    wait = min(self._max_outage_poll, self._poll_interval * 2 ** min(failed_rounds, 10))
                self._wake.wait(wait)
                self._wake.clear()

    # -- database calls that cannot hang the delivery thread -----------------------------------------
    @contextlib.contextmanager
    def _db(self, factory: sessionmaker[Session]) -> Iterator[Session]:
        """One transaction. On the delivery thread it runs within `db_stall` seconds (models.db.within):
        a connection black-holed by the network answers nothing, ever, and neither the server's
        statement_timeout nor TCP keepalives end a wait on a peer that still ACKs; past the deadline
        its socket is shut down, the wait fails, and the next round connects anew."""
        deadline = within(self._db_stall) if threading.current_thread() is self._thread else contextlib.nullcontext()
        with deadline, factory() as session, session.begin():
            yield session

    def drain(self, max_rounds: int = 50) -> int:
        """Deliver until nothing is due now (tests and the CLI use this)."""
        total = 0
        for _ in range(max_rounds):
            sent = self.run_once()
            total += sent
            if sent == 0:
                break
        return total

    # -- one round --------------------------------------------------------------------------
    def run_once(self) -> int:
        for message_id, result in list(self._unrecorded.items()):
            self._finish(message_id, result=result)
            self._unrecorded.pop(message_id, None)
        claimed = self._claim()
        for message_id in claimed:
            self._deliver(message_id)
        return len(claimed)

    def _claim(self) -> list[int]:
        now = self._clock.now()
        wall = self._wall.now()
        with self._db(self._factory) as session:
            heads = (
                select(func.min(OutboxMessage.id))
                .where(OutboxMessage.status.in_((PENDING, SENDING)))
                .group_by(OutboxMessage.lane)
            )
            # The status condition again on the outer rows: on PostgreSQL the `heads` subquery is read
            # in the statement's snapshot, but FOR UPDATE re-checks only the outer WHERE against the
            # row's newest version. Without it, a message another dispatcher claimed, posted and
            # marked sent after this statement began came back as claimable and was posted twice.
            # Only heads that can be taken now are locked: a retry still waiting out its backoff, or a
            # message another dispatcher is sending under a live lease, would otherwise stay locked by
            # this claim (to its commit) and make that dispatcher's "sent" wait behind it.
            due = or_(
                (OutboxMessage.status == PENDING)
                & or_(OutboxMessage.attempts == 0, OutboxMessage.next_attempt_at.is_(None),
                      OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == SENDING)
                & or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until <= wall),
            )
            query = (
                select(OutboxMessage)
                .where(OutboxMessage.id.in_(heads), OutboxMessage.status.in_((PENDING, SENDING)), due)
                .order_by(OutboxMessage.id)
                .limit(self._batch_size * 4)
            )
            if not self._sqlite:
                query = query.with_for_update(skip_locked=True)
            throttled = self._throttled_lanes(session, now)
            claimed: list[int] = []
            for message in session.scalars(query):
                # A fresh message is due at once: its default timestamp is wall time, which a
                # simulated clock (playground, tests) may be behind.
                if message.status == PENDING and message.attempts > 0 and message.next_attempt_at > now:
                    continue
                if message.status == SENDING and message.lease_until and message.lease_until > wall:
                    continue
                if message.method in (CHAT_POST, HOME_REFRESH) and message.lane in throttled:
                    continue
                if message.target_ref and not self._ref_known(session, message.target_ref):
                    continue
                if message.status == SENDING and message.method in VERIFIABLE:
                    # Its worker died (or stalled) mid-delivery: the post may have gone out.
                    began = message.attempt_started_at or now - timedelta(seconds=self._policy.lease)
                    message.unsure_since = min(filter(None, (message.unsure_since, began)))
                    log.warning("outbox %s lease expired while sending; will look in Slack first", message.id)
                message.status = SENDING
                message.attempts += 1
                message.lease_until = wall + timedelta(seconds=self._policy.lease)
                message.attempt_started_at = now
                claimed.append(message.id)
                self._claims[message.id] = message.attempts
                if len(claimed) >= self._batch_size:
                    break
            return claimed

    def _throttled_lanes(self, session: Session, now: datetime) -> set[str]:
        return set(session.scalars(select(LaneThrottle.lane).where(LaneThrottle.next_send_at > now)))

    @staticmethod
    def _ref_known(session: Session, ref: str) -> bool:
        return session.get(SlackMessageRef, ref) is not None

    def _deliver(self, message_id: int) -> None:
        # Read and render without taking a write lock: rendering a Home view queries a lot, and
        # on SQLite a write transaction here would stall every request for that long.
        with self._db(self._reader) as session:
            message = session.get(OutboxMessage, message_id)
            attempt = self._claims.pop(message_id, None)
            if message is None or message.status != SENDING:
                return
            if attempt is not None and (message.attempts != attempt or (
                    message.lease_until is not None and message.lease_until <= self._wall.now())):
                # Our lease ran out before its turn in the batch and another dispatcher may hold it
                # now: sending too could post twice. Its next claim looks in Slack first.
                log.info("outbox %s lease lost before sending; left to its next claim", message_id)
                return
            call = self._prepare(session, message)
            doubt = message.unsure_since
        if call is None:
            self._finish(message_id, result={"skipped": True})
            return
        method, kwargs = call
        if method == CHAT_POST:
            kwargs["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"outbox_id": message_id}}
        if doubt is not None and method in VERIFIABLE:
            try:
                found = self._find_posted(message_id, method, kwargs, doubt)
            except Exception as exc:
                failure = _failure_of(exc)
                self._fail(message_id, Failure("lookup: " + failure.error, retryable=failure.retryable,
                                               retry_after=failure.retry_after), doubt=doubt)
                return
            if found is not None:
                log.info("outbox %s %s was already posted (ts %s); not posting again",
                         message_id, method, found["ts"])
                self._finish(message_id, result={**found, "found": True})
                return
            log.info("outbox %s %s not in Slack after an unknown outcome; posting", message_id, method)
            doubt = None
        started = self._clock.now()
        try:
            result = self._send(method, kwargs)
        except Exception as exc:
            failure = _failure_of(exc)
            if failure.ambiguous and method in VERIFIABLE:
                doubt = started if doubt is None else min(doubt, started)
            self._fail(message_id, failure, doubt=doubt)
            return
        # Slack has it. Should the database fail right now, the outcome is kept here and recorded
        # first thing once it answers again (a crash instead: the lease ends, the lookup finds it).
        self._unrecorded[message_id] = result
        self._finish(message_id, result=result)
        self._unrecorded.pop(message_id, None)

    def _send(self, method: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        if method == RESPONSE_URL:
            self._post_response_url(kwargs["url"], kwargs["body"])
            return {}
        if method == FILES_UPLOAD:
            channel = str(kwargs["channel"])
            if channel[:1] in ("U", "W"):
                # A file shared with a person goes to their DM with the bot: files.completeUploadExternal wants
                # the D… channel id, where chat.postMessage also takes the user id.
                channel = self._client.conversations_open(users=channel)["channel"]["id"]
            response = self._client.files_upload_v2(
                channel=channel, file=base64.b64decode(kwargs["content_b64"]),
                filename=kwargs["filename"], title=kwargs.get("title"),
                initial_comment=kwargs.get("initial_comment"))
            return _summary(response.data)
        try:
            return _summary(self._client.api_call(method, json=kwargs).data)
        except SlackApiError as exc:
            data = exc.response.data if isinstance(exc.response.data, dict) else {}
            if method in FUNCTION_ENDINGS and data.get("error") == "execution_not_in_running_state":
                # A workflow run that is no longer waiting: an earlier attempt ended it (its answer was lost),
                # or the workflow was stopped meanwhile. Either way there is nothing left to tell it.
                log.info("outbox %s: the workflow run was no longer running", method)
                return {"not_running": True}
            raise

    def _find_posted(self, message_id: int, method: str, kwargs: dict[str, Any],
                     since: datetime) -> dict[str, Any] | None:
        """Where the message landed, if an earlier attempt posted it; None when it is not there."""
        channel = str(kwargs["channel"])
        if channel[:1] in ("U", "W"):
            # A post to a user id lands in the bot's DM with them; history wants the D… id.
            channel = self._client.conversations_open(users=channel)["channel"]["id"]
        oldest = f"{since.timestamp() - LOOKUP_MARGIN_S:.6f}"
        thread_ts = kwargs.get("thread_ts")
        matches = _is_outbox_post(message_id) if method == CHAT_POST else _is_file_share(kwargs["filename"])
        cursor: str | None = None
        for _ in range(LOOKUP_MAX_PAGES):
            common: dict[str, Any] = {"channel": channel, "oldest": oldest, "include_all_metadata": True,
                                      "limit": LOOKUP_PAGE_SIZE, "cursor": cursor}
            if thread_ts:  # replies are not in the channel's history, only in their thread
                page = self._client.conversations_replies(ts=str(thread_ts), **common)
            else:
                page = self._client.conversations_history(**common)
            for found in page.get("messages") or []:
                if matches(found):
                    return {"channel": channel, "ts": found["ts"]}
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not page.get("has_more") or not cursor:
                return None
        raise _LookupIncomplete(f"more than {LOOKUP_MAX_PAGES * LOOKUP_PAGE_SIZE} messages to search")

    def _post_response_url(self, url: str, body: dict[str, Any]) -> None:
        if is_loopback_url(self._client.base_url) and not is_loopback_url(url):
            # Against a local fake Slack (tests, benchmarks, the playground) nothing may leave this
            # machine: a response_url that names the real Slack is refused, not tried.
            raise _HookFailure(Failure(f"response_url {urlsplit(url).hostname} is not on this machine",
                                       retryable=False))
        hook = WebhookClient(url, timeout=self._client.timeout, retry_handlers=[])
        result = hook.send_dict(body)
        if result.status_code == 429:
            raise _HookFailure(Failure("429 ratelimited", retryable=True,
                                       retry_after=_retry_after(result.headers)))
        if result.status_code >= 500:
            raise _HookFailure(Failure(f"HTTP {result.status_code}", retryable=True))
        if result.status_code >= 400:
            # Expired (30 min) or used up (5 uses): retrying cannot help.
            raise _HookFailure(Failure(f"HTTP {result.status_code}: {result.body}", retryable=False))

    def _prepare(self, session: Session, message: OutboxMessage) -> tuple[str, dict[str, Any]] | None:
        if message.method in self._renderers:
            return self._renderers[message.method](session, dict(message.payload))
        kwargs = dict(message.payload)
        if message.target_ref:
            where = session.get(SlackMessageRef, message.target_ref)
            assert where is not None  # claimed only once the ref is known
            kwargs["channel"] = where.channel
            kwargs["thread_ts" if message.method == "chat.postMessage" else "ts"] = where.ts
        return message.method, kwargs

    def _finish(self, message_id: int, *, result: dict[str, Any]) -> None:
        now = self._clock.now()
        with self._db(self._factory) as session:
            message = session.get(OutboxMessage, message_id)
            if message is None:
                return
            message.status = SENT
            message.sent_at = now
            message.lease_until = None
            message.attempt_started_at = None
            message.unsure_since = None
            message.result = result
            message.last_error = None
            if message.ref and result.get("channel") and result.get("ts"):
                session.merge(SlackMessageRef(ref=message.ref, channel=result["channel"], ts=result["ts"]))
            gap = {CHAT_POST: self._policy.lane_interval, HOME_REFRESH: self._policy.home_interval}.get(
                message.method, 0.0)
            if gap > 0:
                session.merge(LaneThrottle(lane=message.lane, next_send_at=now + timedelta(seconds=gap)))

    def _fail(self, message_id: int, failure: Failure, *, doubt: datetime | None = None) -> None:
        now = self._clock.now()
        with self._db(self._factory) as session:
            message = session.get(OutboxMessage, message_id)
            if message is None:
                return
            message.last_error = failure.error[:2000]
            message.lease_until = None
            message.attempt_started_at = None
            message.unsure_since = doubt
            if failure.retryable and message.attempts < message.max_attempts:
                delay = self._policy.backoff(message.attempts, failure.retry_after)
                if failure.ambiguous:
                    delay = max(delay, self._policy.settle)
                message.status = PENDING
                message.next_attempt_at = now + timedelta(seconds=delay)
                log.warning("outbox %s %s failed (%s); retry in %.1fs",
                            message.id, message.method, failure.error, delay)
                return
            message.status = DEAD
            log.error("outbox %s %s dead after %d attempts: %s", message.id, message.method,
                      message.attempts, failure.error)
            if not message.is_alert and message.method not in COSMETIC:
                self._alert(session, message)

    def _alert(self, session: Session, dead: OutboxMessage) -> None:
        from bot.i18n import t  # late: i18n is optional for the dispatcher's core path

        for admin in self._alert_recipients():
            text = t("ja", "outbox.dead_letter", id=dead.id, method=dead.method, error=dead.last_error or "")
            enqueue(session, "chat.postMessage", {"channel": admin, "text": text},
                    dedupe_key=f"alert:{dead.id}:{admin}", is_alert=True)


def _log_outage(exc: Exception) -> None:
    if isinstance(exc, SQLAlchemyError):
        # Class names only: a SQLAlchemy error's text carries the statement and its parameters.
        cause = type(getattr(exc, "orig", None) or exc).__name__
        log.error("outbox dispatcher: database unavailable (%s: %s); delivery paused, nothing is lost; "
                  "retrying", type(exc).__name__, cause)
    else:
        log.exception("outbox dispatcher: delivery round failed (%s); retrying", type(exc).__name__)


class _HookFailure(Exception):
    def __init__(self, failure: Failure):
        super().__init__(failure.error)
        self.failure = failure


class _LookupIncomplete(Exception):
    """The search for an earlier attempt ran out of pages: it can neither confirm nor rule it out."""


def _failure_of(exc: Exception) -> Failure:
    """What went wrong, and whether the request may have taken effect anyway."""
    if isinstance(exc, SlackApiError):
        return _classify_api_error(exc)
    if isinstance(exc, _HookFailure):
        return exc.failure
    if isinstance(exc, URLError):
        # urllib (and KeepAliveWebClient) raise URLError only when the request could not be
        # connected or sent: Slack cannot have acted on it.
        return Failure(f"{type(exc).__name__}: {exc.reason}", retryable=True)
    if isinstance(exc, _LookupIncomplete):
        return Failure(str(exc), retryable=True)
    # Sent, then no (complete) answer: RemoteDisconnected, a reset, a read timeout, a cut body.
    return Failure(f"{type(exc).__name__}: {exc}", retryable=True, ambiguous=True)


def _is_outbox_post(message_id: int) -> Callable[[dict[str, Any]], bool]:
    def matches(message: dict[str, Any]) -> bool:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        return metadata.get("event_type") == METADATA_EVENT and payload.get("outbox_id") == message_id
    return matches


def _is_file_share(filename: str) -> Callable[[dict[str, Any]], bool]:
    # files.completeUploadExternal takes no metadata; the digest chart's file name is unique per week.
    def matches(message: dict[str, Any]) -> bool:
        return bool(message.get("bot_id")) and any(
            f.get("name") == filename for f in message.get("files") or [] if isinstance(f, dict))
    return matches


def _classify_api_error(exc: SlackApiError) -> Failure:
    response = exc.response
    status = getattr(response, "status_code", 200)
    error = str((response.data or {}).get("error") if isinstance(response.data, dict) else response.data)
    if status == 429:
        retry_after = _retry_after(response.headers)
        return Failure(f"429 ratelimited (Retry-After {retry_after})", retryable=True, retry_after=retry_after)
    if status >= 500:
        return Failure(f"HTTP {status}", retryable=True, ambiguous=status in AMBIGUOUS_HTTP)
    return Failure(error, retryable=error in RETRYABLE_ERRORS)


def _retry_after(headers: Any) -> float:
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return float(raw)
            except (TypeError, ValueError):
                return 1.0
    return 1.0


def _summary(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        return {}
    keep = {k: data[k] for k in ("channel", "ts", "message_ts") if k in data}
    if "view" in data and isinstance(data["view"], dict):
        keep["view_id"] = data["view"].get("id")
    return keep


