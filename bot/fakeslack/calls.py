"""The record of every Web API call the fake received, and ways to wait for one."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

CallPredicate = Callable[["Call"], bool]
CallListener = Callable[["Call"], None]


@dataclass(frozen=True)
class Call:
    """One request as the fake saw it.

    `params` is the decoded form or JSON body with JSON-encoded fields (blocks, view, files …) turned back
    into objects. `fault` names the injected fault applied to it (None when answered normally);
    `status` and `response` are what the client was sent (None for a dropped connection).
    """

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float
    body: bytes = b""
    fault: str | None = None
    status: int | None = None
    response: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """True when the client got an `ok: true` answer."""
        return self.fault in (None, "slow") and bool(self.response and self.response.get("ok"))

    def summary(self) -> str:
        interesting = {
            k: self.params[k] for k in ("channel", "user", "text", "view_id", "ts") if k in self.params
        }
        outcome = self.fault or (self.response or {}).get("error") or "ok"
        return f"{self.method} {interesting} -> {outcome}"


class CallNotSeen(AssertionError):
    """wait_for timed out; the message lists what did arrive, so a failing test explains itself."""


class CallLog:
    """Thread-safe, append-only list of calls with blocking waits and change listeners."""

    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._changed = threading.Condition()
        self._listeners: list[CallListener] = []

    def append(self, call: Call) -> None:
        with self._changed:
            self._calls.append(call)
            listeners = list(self._listeners)
            self._changed.notify_all()
        # Listeners run outside the lock: a slow or broken UI must not stall or break the fake.
        for listener in listeners:
            try:
                listener(call)
            except Exception:
                logger.exception("fakeslack call listener failed")

    def calls(self, method: str | None = None, predicate: CallPredicate | None = None) -> list[Call]:
        with self._changed:
            snapshot = list(self._calls)
        return [
            c
            for c in snapshot
            if (method is None or c.method == method) and (predicate is None or predicate(c))
        ]

    def last(self, method: str | None = None) -> Call | None:
        matching = self.calls(method)
        return matching[-1] if matching else None

    def wait_for(
        self,
        method: str | None,
        count: int = 1,
        timeout: float = 5.0,
        predicate: CallPredicate | None = None,
    ) -> list[Call]:
        """Block until `count` matching calls have arrived; return them (oldest first)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                matching = [
                    c
                    for c in self._calls
                    if (method is None or c.method == method) and (predicate is None or predicate(c))
                ]
                if len(matching) >= count:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            arrived = [c.summary() for c in self._calls]
        wanted = f"{count} × {method or 'any method'}" + (" matching the predicate" if predicate else "")
        listing = "\n  ".join(arrived) if arrived else "(no calls at all)"
        raise CallNotSeen(
            f"waited {timeout:.1f}s for {wanted}, saw {len(matching)}. Calls received:\n  {listing}"
        )

    def clear(self) -> None:
        with self._changed:
            self._calls.clear()

    def subscribe(self, listener: CallListener) -> Callable[[], None]:
        """Call `listener(call)` for each new call; returns a function that unsubscribes."""
        with self._changed:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._changed:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe
