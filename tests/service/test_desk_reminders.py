"""The desk's stalled tickets: unclaimed past first-response due ping the triage channel — one message
listing them all, an interval apart, a bounded number of times; on hold reminds the requester once."""

from __future__ import annotations

from models import Ticket
from tests.service.approvals_fixtures import (
    EMPLOYEE,
    approval_bot_fixture,  # noqa: F401 - the `bot` fixture
    )
from tests.service.reminders_fixtures import jst, sweep_at


def add(bot, n: int, **kw) -> int:
    with bot.services.session_factory() as session, session.begin():
        row = Ticket(number=f"FIN-{n:04d}", department="finance", seq=n, request_type="inquiry", title=f"質問 {n}",
                     fields={}, requester_id=EMPLOYEE, created_at=jst(2026, 11, 24, 9), **kw)
        session.add(row)
        session.flush()
        return row.id


def pings(bot) -> list[dict]:
    return [m for m in bot.slack.messages("CFINANCE") if "初回対応" in m.get("text", "")]


def test_unclaimed_tickets_past_first_response_due_ping_the_triage_channel_bundled(bot):
    add(bot, 1, status="submitted", first_response_due=jst(2026, 11, 24, 17))
    add(bot, 2, status="approved", first_response_due=jst(2026, 11, 25, 9))
    add(bot, 3, status="submitted", first_response_due=jst(2026, 11, 25, 12))  # not due yet
    add(bot, 4, status="in_progress", first_response_due=jst(2026, 11, 24, 17), assignee_id="UFINAGENT")
    sweep_at(bot, jst(2026, 11, 25, 10, 0))
    (ping,) = pings(bot)
    assert "2 件" in ping["text"] and "FIN-0001" in str(ping["blocks"]) and "FIN-0002" in str(ping["blocks"])
    sweep_at(bot, jst(2026, 11, 25, 11, 30))  # inside the interval
    assert len(pings(bot)) == 1
    sweep_at(bot, jst(2026, 11, 25, 12, 5))  # FIN-0003 falls due: its own first ping; the others wait
    assert "FIN-0003" in str(pings(bot)[-1]["blocks"]) and "FIN-0001" not in str(pings(bot)[-1]["blocks"])
    for hour in (9, 14):  # the default budget is 3 pings per ticket
        for day in (26, 27, 30):
            sweep_at(bot, jst(2026, 11, day, hour, 5))
    listed = sum(str(p["blocks"]).count("FIN-0001") for p in pings(bot))
    assert listed == 3


def test_a_ticket_on_hold_reminds_its_requester_once(bot):
    add(bot, 1, status="on_hold", sla_paused_at=jst(2026, 11, 24, 10))
    sweep_at(bot, jst(2026, 11, 25, 17, 0))  # 8 + 7 = 15 business hours: not yet (16)
    sweep_at(bot, jst(2026, 11, 26, 10, 5))
    sweep_at(bot, jst(2026, 11, 27, 10, 5))
    reminders = [m for m in bot.slack.messages(bot.slack.dm_channel(EMPLOYEE)) if "保留" in m.get("text", "")]
    assert len(reminders) == 1 and "FIN-0001" in reminders[0]["text"]
