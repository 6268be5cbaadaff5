"""What the ticket views show, already resolved to text (names, labels, local times) by
bot/tickets/summary.py, so every builder here is a pure function of its input."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TicketFacts:
    id: int
    number: str
    type_name: str
    emoji: str
    title: str
    status: str
    department: str
    department_key: str
    requester_id: str
    assignee_id: str | None
    confidential: bool
    created: str
    first_response_due: str | None
    resolution_due: str | None
    rows: list[tuple[str, str]] = field(default_factory=list)
    source_link: str | None = None
    parent: str | None = None
    children: list[str] = field(default_factory=list)
    resolution_note: str | None = None
    satisfaction: int | None = None
    paused: bool = False
    # Where a request waiting for approval is: "佐藤 健 の承認待ち（11/30 10:00 から）· リマインド ×2".
    waiting_on: str | None = None
    files: int = 0  # kept receipt / invoice files attached to it

    @property
    def heading(self) -> str:
        return f"{self.emoji} {self.number} {self.type_name}".strip()
