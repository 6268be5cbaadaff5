"""Deterministic fault injection: queued faults consumed by the next matching calls."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal, get_args

FaultKind = Literal["rate_limited", "server_error", "ok_false", "drop", "drop_after", "slow"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
ANY_METHOD = "*"


@dataclass
class Fault:
    """What to do to a call instead of (or on top of) answering it.

    - rate_limited: HTTP 429, `Retry-After: retry_after`, body {"ok": false, "error": "ratelimited"}
    - server_error: HTTP `status` (500 or 503) with an `ok: false` body
    - ok_false: HTTP 200 {"ok": false, "error": error}
    - drop: read the request, change nothing, close the socket without answering
    - drop_after: apply the call (the message IS posted), then close without answering — the case
      that makes a naive retry post twice
    - slow: wait `seconds`, then answer normally
    """

    method: str
    kind: FaultKind
    times: int = 1
    retry_after: int = 1
    error: str = "fatal_error"
    status: int = 500
    seconds: float = 1.0


class FaultQueue:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; expected one of {FAULT_KINDS}")
        if fault.kind == "server_error" and fault.status not in (500, 502, 503, 504):
            raise ValueError(f"server_error status must be 5xx, got {fault.status}")
        if fault.times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str) -> Fault | None:
        """Consume one use of the oldest queued fault for `method` (or "*"), FIFO so tests are predictable."""
        with self._lock:
            for fault in self._faults:
                if fault.method in (method, ANY_METHOD):
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
