"""What the playground's UI side (web.py, actor.py, snapshot.py) uses of the running playground.

`Stage` is that surface; bot/playground/stack.py `Playground` has it, and builds the web UI over itself.
Typed against this, the UI does not depend on the module that starts it."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.config import WorkspaceConfig
    from bot.fakeslack import FakeSlackServer, SlackRequester
    from bot.playground.clock import SimulatedClock


class Changes:
    """A counter the UI long-polls: bumped whenever the fake Slack answers a call or time jumps."""

    def __init__(self) -> None:
        self._version = 0
        self._closed = False
        self._cond = threading.Condition()

    @property
    def version(self) -> int:
        with self._cond:
            return self._version

    def bump(self, *_: Any) -> None:
        with self._cond:
            self._version += 1
            self._cond.notify_all()

    def wait_past(self, version: int, timeout: float) -> int:
        with self._cond:
            self._cond.wait_for(lambda: self._closed or self._version != version, timeout=timeout)
            return self._version

    def close(self) -> None:
        """Release every waiting long poll at once, so stopping never waits for their timeout."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class Stage(Protocol):
    config: WorkspaceConfig
    slack: FakeSlackServer
    requester: SlackRequester
    clock: SimulatedClock
    changes: Changes

    def advance(self, delta: timedelta) -> None: ...

    def advance_to_digest(self) -> None: ...
