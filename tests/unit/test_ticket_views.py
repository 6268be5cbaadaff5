"""The desk's views are pure functions of TicketFacts; the status machine is a table."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from bot.errors import InvalidTransition
from bot.slack_ids import FaqAction, TicketAction
from bot.ticket_states import FINAL, MOVES, STATUSES, transition
from bot.tickets.card_view import card
from bot.tickets.dm_view import receipt, resolution
from bot.tickets.facts_view import TicketFacts

FACTS = TicketFacts(
    id=7, number="LEG-0003", type_name="ハラスメント・コンプライアンス相談", emoji=":shield:",
    title="パワーハラスメント", status="submitted", department="法務・コンプライアンス", department_key="legal",
    requester_id="UEMPLOYEE1", assignee_id=None, confidential=False, created="2026/12/07 10:00",
    first_response_due="2026/12/07 14:00", resolution_due="2026/12/10 14:00",
    rows=[("相談内容", "毎日のように大声で叱責されています")],
)


def actions(blocks: list[dict]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_a_confidential_card_shows_that_something_arrived_and_nothing_else():
    text, blocks = card(dataclasses.replace(FACTS, confidential=True), "ja")

    shown = text + str(blocks)
    for secret in ("パワーハラスメント", "毎日のように", "UEMPLOYEE1", "相談内容"):
        assert secret not in shown
    assert "機密扱い" in shown and TicketAction.DETAILS in actions(blocks)


@pytest.mark.parametrize(
    ("status", "buttons"),
    [
        ("submitted", [TicketAction.CLAIM, TicketAction.ASSIGN, TicketAction.HOLD, TicketAction.RESOLVE,
                       TicketAction.REROUTE]),
        ("approved", [TicketAction.CLAIM, TicketAction.ASSIGN, TicketAction.HOLD, TicketAction.RESOLVE,
                      TicketAction.REROUTE]),
        ("in_progress", [TicketAction.ASSIGN, TicketAction.HOLD, TicketAction.RESOLVE, TicketAction.REROUTE]),
        ("on_hold", [TicketAction.ASSIGN, TicketAction.RESOLVE, TicketAction.REROUTE]),
        ("resolved", [FaqAction.CAPTURE]),
        ("withdrawn", []),
    ],
)
def test_the_card_offers_what_can_be_done_now(status, buttons):
    assert actions(card(dataclasses.replace(FACTS, status=status), "ja")[1]) == buttons


def test_a_moved_card_keeps_the_reason_and_loses_its_buttons():
    _, blocks = card(FACTS, "en", moved_to="HR", moved_reason="payroll question")

    assert actions(blocks) == [] and "Moved to HR. Reason: payroll question" in str(blocks)


def test_the_receipt_offers_withdrawal_only_while_it_can_be_withdrawn():
    assert actions(receipt(FACTS, "ja", next_step="…", withdrawable=True)[1]) == [TicketAction.WITHDRAW]
    assert actions(receipt(FACTS, "ja", next_step="…", withdrawable=False)[1]) == []


def test_the_resolution_asks_for_a_one_click_rating_until_rated():
    asking = actions(resolution(FACTS, "en", resolver="ULEGAL001", note="done")[1])
    rated = resolution(FACTS, "en", resolver="ULEGAL001", note="done", rated=4)[1]

    assert asking == [f"{TicketAction.RATE}_{n}" for n in range(1, 6)]
    assert actions(rated) == [] and "★★★★☆" in str(rated)


class T:
    def __init__(self, status: str):
        self.status, self.version = status, 1
        self.updated_at = self.closed_at = None


MOVED_AT = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize("status", STATUSES)
def test_every_status_allows_exactly_its_moves(status):
    for target in STATUSES:
        ticket = T(status)
        if target in MOVES[status]:
            transition(ticket, target, "move", MOVED_AT)
            assert (ticket.status, ticket.version, ticket.updated_at) == (target, 2, MOVED_AT)
            assert ticket.closed_at == (MOVED_AT if target in FINAL else None)  # closed_at: only here, only at the end
        else:
            with pytest.raises(InvalidTransition):
                transition(ticket, target, "move", MOVED_AT)
            assert (ticket.status, ticket.updated_at) == (status, None)


def test_final_statuses_are_final():
    assert MOVES["closed"] == MOVES["rejected"] == MOVES["withdrawn"] == frozenset()
