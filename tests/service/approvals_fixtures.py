"""Shared setup for approval tests: the example org with an expense type whose rules follow 職務権限,
a fixed clock inside business hours, and tickets created the way intake creates them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.clock import ManualClock
from bot.config import WorkspaceConfig, load_workspace
from bot.settings import BUNDLED_CONFIG
from models import Ticket
from tests.harness import Bot, start_bot

EMPLOYEE, EMPLOYEE_EN, MANAGER, FIN_LEAD, CFO = "UEMPLOYEE1", "UEMPLOYEE2", "UMANAGER1", "UFINLEAD1", "UCFO00001"
ADMIN, OUTSIDER = "UADMIN001", "UGAAGENT1"
# Tuesday 2026-11-24 10:00 in Tokyo: a working day, inside working hours.
START = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)

def approval_config() -> WorkspaceConfig:
    """The bundled example config: its expense type carries the default 職務権限 rules."""
    return load_workspace(BUNDLED_CONFIG)


def clock() -> ManualClock:
    return ManualClock(START)


_seq = iter(range(1, 10_000))


def new_ticket(session: Session, *, requester: str = EMPLOYEE, amount: int = 30_000,
               fields: dict[str, Any] | None = None) -> Ticket:
    seq = next(_seq)
    values = {"category": "travel", "amount": amount, "spent_on": "2026-11-20", "purpose": "大阪出張",
              "receipt_url": "https://files.example.co.jp/r/123", **(fields or {})}
    ticket = Ticket(number=f"FIN-{seq:04d}", department="finance", seq=seq, request_type="expense",
                    title="出張旅費の精算", fields=values, requester_id=requester, status="submitted", locale="ja",
                    created_at=START, updated_at=START)
    session.add(ticket)
    session.flush()
    return ticket


@pytest.fixture(name="bot")
def approval_bot_fixture(clean_engine: Engine) -> Iterator[Bot]:
    """The `bot` fixture: the real app over HTTP on these fixtures' org and clock (import it to use it)."""
    running = start_bot(clean_engine, config=approval_config(), clock=clock())
    try:
        yield running
    finally:
        running.stop()
