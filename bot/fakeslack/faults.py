"""Deterministic fault injection: queued faults consumed by the next matching calls."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Mapping
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


@dataclass(frozen=True)
class FaultRates:
    """Faults drawn at random (seeded, so a soak is repeatable) for calls no queued fault matched: each
    call of one of `methods` gets `kind` with probability rates[kind] (the kinds' rates add up to ≤ 1)."""

    rates: Mapping[str, float]
    methods: frozenset[str]
    seed: int = 0
    retry_after: int = 1
    slow_seconds: float = 1.0


class FaultQueue:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._rates: FaultRates | None = None
        self._rng = random.Random(0)
        self.drawn: dict[str, int] = {}  # kind → how many calls a rate gave that fault

    def set_rates(self, rates: Mapping[str, float], methods: Iterable[str], *, seed: int = 0,
                  retry_after: int = 1, slow_seconds: float = 1.0) -> None:
        """Inject faults at random from now on (an empty `rates` stops it); queued faults still come first."""
        unknown = sorted(set(rates) - set(FAULT_KINDS))
        if unknown:
            raise ValueError(f"unknown fault kind(s) {unknown}; expected some of {FAULT_KINDS}")
        if sum(rates.values()) > 1 or any(r < 0 for r in rates.values()):
            raise ValueError("fault rates must be ≥ 0 and add up to at most 1")
        with self._lock:
            self._rates = (FaultRates(dict(rates), frozenset(methods), seed, retry_after, slow_seconds)
                           if rates else None)
            self._rng = random.Random(seed)

    def _draw(self, method: str) -> Fault | None:
        rates = self._rates
        if rates is None or method not in rates.methods:
            return None
        roll = self._rng.random()
        for kind, rate in rates.rates.items():
            if roll < rate:
                self.drawn[kind] = self.drawn.get(kind, 0) + 1
                status = 503 if self._rng.random() < 0.5 else 500
                return Fault(method=method, kind=kind, retry_after=rates.retry_after,  # type: ignore[arg-type]
                             seconds=rates.slow_seconds, status=status)
            roll -= rate
        return None

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
            return self._draw(method)

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
