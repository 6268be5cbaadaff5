"""Stable identities of the fake workspace and generators for Slack-shaped ids.

The same constants are used by the fake Web API (auth.test answers with them) and by the request
builders (event envelopes carry them), so the app sees one consistent workspace.
"""

from __future__ import annotations

import itertools
import secrets
import string
import threading
import time
from collections.abc import Callable

TEAM_ID = "T0MADOGUCHI"
TEAM_NAME = "Madoguchi Dev"
TEAM_DOMAIN = "madoguchi-dev"
API_APP_ID = "A0MADOGUCHI"
BOT_ID = "B0MADOGUCHI"
BOT_USER_ID = "U0MADOGUCHI"
BOT_TOKEN = "xoxb-madoguchi-fake-token"
# Slack still puts the deprecated verification token in every payload; Bolt ignores it.
VERIFICATION_TOKEN = "fake-verification-token"

Clock = Callable[[], float]

_ALNUM = string.ascii_uppercase + string.digits


def random_suffix(length: int = 10) -> str:
    """Upper-case alphanumerics, the alphabet of Slack ids (V…, F…, Ev…)."""
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


def new_trigger_id() -> str:
    """A trigger id shaped like Slack's: `<digits>.<digits>.<32 hex>`."""
    return f"{secrets.randbelow(10**13):013d}.{secrets.randbelow(10**10):010d}.{secrets.token_hex(16)}"


def new_event_id() -> str:
    return "Ev" + random_suffix(10)


class TsSource:
    """Message timestamps ("1700000000.000100"): strictly increasing, derived from the clock.

    Slack's ts is both an id and a time; a fixed clock gives deterministic ids
    (1700000000.000100, .000200, ...) while a real clock gives realistic ones.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._last_us = 0
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            self._last_us = max(int(self._clock() * 1_000_000), self._last_us) + 100
            seconds, micros = divmod(self._last_us, 1_000_000)
            return f"{seconds}.{micros:06d}"


class IdSource:
    """Sequential ids with a Slack prefix (V0000000001, F0000000001); predictable in test output."""

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            return f"{self._prefix}{next(self._counter):010d}"


def view_hash(clock: Clock = time.time) -> str:
    """A view hash like Slack's "1596530361.3wRYuk3R": changes on every update."""
    alphabet = string.ascii_letters + string.digits
    return f"{int(clock())}.{''.join(secrets.choice(alphabet) for _ in range(8))}"
