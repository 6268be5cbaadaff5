"""The finance agent's App Home on Monday 2026-12-07 14:00 JST (09:00–18:00, no holiday that week), over
signed HTTP: their department's queue in three groups — unclaimed (oldest first, with age and
first-response due), on hold (including what a colleague holds), near or past SLA (due within 4
business hours, or overdue) — each row with a 詳細を見る button; a confidential ticket shows 🔒 and no
title; other departments' tickets are not there."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.config import load_workspace
from bot.settings import BUNDLED_CONFIG
from bot.slack_ids import TicketAction
from models import Ticket
from tests.harness import start_bot
from tests.service.reminders_fixtures import jst
from tests.wiring.intake_steps import EMPLOYEE, FIN_AGENT, FIN_LEAD, HR_AGENT, everything

MONDAY_14 = jst(2026, 12, 7, 14, 0)
MONDAY_10 = jst(2026, 12, 7, 10, 0)
SECRET = "部長の言動について相談したい"


def add(session: Any, n: int, *, department: str = "finance", created: datetime = MONDAY_10,
        **kw: Any) -> None:
    prefix = {"finance": "FIN", "hr": "HR"}[department]
    kw.setdefault("title", f"経費の質問 {n}")
    session.add(Ticket(number=f"{prefix}-{n:04d}", department=department, seq=n, request_type="expense", fields={},
                       requester_id=EMPLOYEE, created_at=created, updated_at=created, **kw))


@pytest.fixture
def office(clean_engine) -> Iterator[Any]:
    running = start_bot(clean_engine, config=load_workspace(BUNDLED_CONFIG), clock=ManualClock(MONDAY_14))
    try:
        with running.services.session_factory() as session, session.begin():
            # Unclaimed since this morning: first response due tomorrow 10:00, not near yet.
            add(session, 1, status="submitted", first_response_due=jst(2026, 12, 8, 10),
                resolution_due=jst(2026, 12, 14, 10))
            # 経理リーダー asked the requester a question on Friday: on hold, SLA paused.
            add(session, 2, status="on_hold", assignee_id=FIN_LEAD, created=jst(2026, 12, 4, 10),
                first_responded_at=jst(2026, 12, 4, 11), sla_paused_at=jst(2026, 12, 4, 15),
                first_response_due=jst(2026, 12, 4, 18), resolution_due=jst(2026, 12, 9, 10))
            # In progress with the lead, resolution due at 16:00 today: 2 business hours left.
            add(session, 3, status="in_progress", assignee_id=FIN_LEAD, created=jst(2026, 12, 1, 16),
                first_responded_at=jst(2026, 12, 1, 17), resolution_due=jst(2026, 12, 7, 16))
            # The agent's own, resolution was due at 11:00: 3 business hours overdue.
            add(session, 4, status="in_progress", assignee_id=FIN_AGENT, created=jst(2026, 12, 1, 11),
                first_responded_at=jst(2026, 12, 1, 12), resolution_due=jst(2026, 12, 7, 11))
            # Confidential, unclaimed since 09:30, first response due 17:30: unclaimed and near breach.
            add(session, 5, status="submitted", confidential=True, title=SECRET, created=jst(2026, 12, 7, 9, 30),
                first_response_due=jst(2026, 12, 7, 17, 30), resolution_due=jst(2026, 12, 14, 9, 30))
            # Not near: due next week; resolved (no longer open) though its due time has passed.
            add(session, 6, status="in_progress", assignee_id=FIN_LEAD, first_responded_at=jst(2026, 12, 7, 11),
                resolution_due=jst(2026, 12, 14, 10))
            add(session, 7, status="resolved", assignee_id=FIN_LEAD, first_responded_at=jst(2026, 12, 1, 11),
                resolution_due=jst(2026, 12, 3, 10), resolved_at=jst(2026, 12, 3, 9))
            # Another department's queue.
            add(session, 8, department="hr", status="submitted", first_response_due=jst(2026, 12, 7, 15))
        yield running
    finally:
        running.stop()


def open_home(bot: Any, user: str) -> dict[str, Any]:
    reply = bot.requester.event({"type": "app_home_opened", "user": user, "channel": bot.slack.dm_channel(user),
                                 "tab": "home", "event_ts": "1.0"})
    assert reply.status == 200
    bot.deliver()
    return bot.slack.home_view(user) or {}


GROUPS = {"未対応": "unclaimed", "保留中": "on_hold", "SLA 期限間近・超過": "near_breach"}


def queue_groups(view: dict[str, Any]) -> dict[str, dict[str, str]]:
    """group → {ticket number: its row's text}, reading the Home the way the agent does."""
    found: dict[str, dict[str, str]] = {}
    current = None
    for block in view.get("blocks", []):
        if block["type"] == "header":  # another Home section begins
            current = None
        elif block["type"] == "context":
            label = block["elements"][0]["text"]
            current = next((g for prefix, g in GROUPS.items() if label.startswith(prefix)), current)
        elif block["type"] == "section" and block.get("accessory") and current:
            text = block["text"]["text"]
            number = re.match(r"\*([A-Z]+-\d{4})\*", text)
            assert number, text
            found.setdefault(current, {})[number.group(1)] = text
    return found


def test_the_finance_agent_sees_unclaimed_on_hold_and_near_breach_in_their_groups(office):
    view = open_home(office, FIN_AGENT)
    groups = queue_groups(view)
    shown = everything(view)

    assert "担当部署の受付" in shown and "*経理・財務*" in shown
    assert list(groups["unclaimed"]) == ["FIN-0005", "FIN-0001"]  # oldest first
    assert "受付から 4営業時間" in groups["unclaimed"]["FIN-0001"]
    assert "初回対応期限 2026/12/08(火) 10:00" in groups["unclaimed"]["FIN-0001"]

    assert list(groups["on_hold"]) == ["FIN-0002"]  # held by a colleague, still on this desk's Home
    assert f"<@{FIN_LEAD}> が保留中（2026/12/04(金) 15:00 から）" in groups["on_hold"]["FIN-0002"]

    assert list(groups["near_breach"]) == ["FIN-0004", "FIN-0003", "FIN-0005"]  # most urgent first
    assert "解決期限 2026/12/07(月) 11:00（3営業時間 超過）" in groups["near_breach"]["FIN-0004"]
    assert "解決期限 2026/12/07(月) 16:00（あと 2営業時間）" in groups["near_breach"]["FIN-0003"]
    assert "初回対応期限 2026/12/07(月) 17:30（あと 4営業時間）" in groups["near_breach"]["FIN-0005"]
    assert "SLA 期限間近・超過: 3件（4営業時間以内）" in shown

    assert "FIN-0006" not in str(groups) and "FIN-0007" not in shown and "HR-0008" not in shown
    # What the agent holds is listed above the department's groups, as before.
    assert "あなたの担当: 1件" in shown


def test_a_confidential_ticket_shows_a_lock_and_no_title_or_requester(office):
    view = open_home(office, FIN_AGENT)
    rows = [text for group in queue_groups(view).values() for number, text in group.items() if number == "FIN-0005"]

    assert len(rows) == 2 and all(":lock: 機密扱い" in row and f"<@{EMPLOYEE}>" not in row for row in rows)
    assert SECRET not in everything(view)


def test_each_row_opens_the_ticket_and_only_for_those_allowed(office):
    view = open_home(office, FIN_AGENT)
    (button,) = [b["accessory"] for b in view["blocks"] if b.get("accessory", {}).get("value")
                 and "FIN-0005" in b["text"]["text"] and "SLA" not in b["text"]["text"]][:1]
    assert button["action_id"] == TicketAction.DETAILS

    opened = office.requester.block_action(user_id=FIN_AGENT, action_id=TicketAction.DETAILS, value=button["value"],
                                           view=view)
    assert opened.status == 200
    (modal,) = [c.params["view"] for c in office.slack.calls("views.open")]
    assert SECRET in str(modal)  # the department's agent is an authorised reader

    before = len(office.slack.calls())
    refused = office.requester.block_action(user_id=HR_AGENT, action_id=TicketAction.DETAILS, value=button["value"],
                                            view=view)
    office.deliver()
    after = str(office.slack.calls()[before:])
    # A polite refusal where they clicked (a small modal over Home), nothing of the content.
    (_, refusal) = [c.params["view"] for c in office.slack.calls("views.open")]
    assert refused.status == 200 and "機密扱いのため" in str(refusal)
    assert "機密扱いのため" in after and SECRET not in after


def test_someone_who_works_no_desk_sees_no_queue(office):
    assert "担当部署の受付" not in everything(open_home(office, EMPLOYEE))
    hr = everything(open_home(office, HR_AGENT))
    assert "FIN-" not in hr and "HR-0008" in hr


def test_a_long_queue_is_capped_with_a_count_of_the_rest_within_block_kit_limits(office):
    with office.services.session_factory() as session, session.begin():
        for n in range(10, 40):
            add(session, n, status="submitted", created=jst(2026, 12, 7, 11), first_response_due=jst(2026, 12, 8, 11),
                resolution_due=jst(2026, 12, 14, 11))
    view = open_home(office, FIN_AGENT)

    assert list(queue_groups(view)["unclaimed"]) == ["FIN-0005", "FIN-0001", "FIN-0010", "FIN-0011", "FIN-0012"]
    assert "未対応: 32件（古い順）" in everything(view) and "ほか 27件" in everything(view)
    assert len(view["blocks"]) <= 100
