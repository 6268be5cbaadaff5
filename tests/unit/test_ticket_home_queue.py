"""The agent's queue on App Home stays within its share of the Home tab's 100 blocks, however many
departments the person works and however long their queues are."""

from __future__ import annotations

import pytest

from bot.tickets.facts_view import TicketFacts
from bot.tickets.home import _rows_per_group
from bot.tickets.home_view import QUEUE_BLOCKS, DepartmentQueue, Group, QueueRow, queue


def row(n: int) -> QueueRow:
    return QueueRow(TicketFacts(id=n, number=f"FIN-{n:04d}", type_name="経費精算", emoji="", title=f"質問 {n}",
                                status="submitted", department="経理", department_key="finance",
                                requester_id="UEMPLOYEE1", assignee_id=None, confidential=False, created="",
                                first_response_due="2026/12/08 10:00", resolution_due=None),
                    age_hours=3, held_since="2026/12/04 15:00", due_kind="first_response", due_at="2026/12/07 17:00",
                    due_in_hours=-2)


@pytest.mark.parametrize("departments", [1, 2, 3, 5])
@pytest.mark.parametrize("locale", ["ja", "en"])
def test_the_queue_fits_its_block_budget(departments, locale):
    per_group = _rows_per_group(departments)
    full = Group([row(i) for i in range(per_group)], total=50)
    queues = [DepartmentQueue(f"部署 {d}", full, full, full, 4) for d in range(departments)]
    mine = [row(100 + i).facts for i in range(8)]
    blocks = queue(mine, queues, locale)
    assert len(blocks) <= QUEUE_BLOCKS
    if departments == 1:
        assert per_group == 5 and len(blocks) < QUEUE_BLOCKS  # one desk is never cut short
