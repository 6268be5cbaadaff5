"""The weekly digest: a known week seeded by hand, its numbers computed by hand below, and the digest
posted exactly once (message + chart) when two schedulers tick the same Monday 09:00.

The week is Monday 2026-11-23 (勤労感謝の日: no business hours) to Sunday 11-29, posted Monday 11-30
09:00 JST; the week before is 11-16..11-22. Office hours 09:00–18:00 (9 business hours a day)."""

from __future__ import annotations

import pytest

from bot.clock import ManualClock
from bot.digest.numbers import compute
from bot.jobs.digest import weekly_digest
from bot.scheduler import Scheduler
from models import ApprovalStep, FaqQuery, Ticket
from tests.harness import start_bot
from tests.service.approvals_fixtures import approval_config
from tests.service.reminders_fixtures import jst

POSTED_AT = jst(2026, 11, 30, 9, 0)
_seq = iter(range(1, 1000))


def ticket(session, *, dept="finance", rtype="expense", created, first=None, resolved=None, closed=None,
           status="in_progress", rating=None) -> Ticket:
    n = next(_seq)
    row = Ticket(number=f"T-{n:04d}", department=dept, seq=n, request_type=rtype, title=f"t{n}", fields={},
                 requester_id="UEMPLOYEE1", status=status, created_at=created, updated_at=created,
                 first_responded_at=first, resolved_at=resolved, closed_at=closed, satisfaction=rating)
    session.add(row)
    session.flush()
    return row


def step(session, t: Ticket, *, requested, due, status, decided=None, fix=()) -> None:
    session.add(ApprovalStep(ticket_id=t.id, round=1, position=1, rule="上長", approvers=["UMANAGER1"],
                             status=status, requested_at=requested, due_at=due, decided_at=decided,
                             fields_to_fix=list(fix)))


def faq(session, text, outcome, at) -> None:
    session.add(FaqQuery(user_id="UEMPLOYEE1", text=text, tier="none", outcome=outcome, asked_at=at))


def seed(session) -> None:
    # This week, finance.
    t1 = ticket(session, created=jst(2026, 11, 24, 10), first=jst(2026, 11, 24, 12), resolved=jst(2026, 11, 25, 10),
                status="resolved", rating=5)  # first response 2h, resolution 8+1 = 9h
    t2 = ticket(session, created=jst(2026, 11, 24, 13), first=jst(2026, 11, 25, 10), resolved=jst(2026, 11, 26, 10),
                status="resolved", rating=3)  # 5+1 = 6h; 5+9+1 = 15h
    t3 = ticket(session, rtype="inquiry", created=jst(2026, 11, 25, 9), first=jst(2026, 11, 25, 9, 30))  # 0.5h
    t4 = ticket(session, rtype="inquiry", created=jst(2026, 11, 26, 10), status="submitted")
    # This week, HR: rejected (closed, not resolved); a type without evidence rules.
    ticket(session, dept="hr", rtype="account", created=jst(2026, 11, 25, 10), closed=jst(2026, 11, 26, 10),
           status="rejected")
    # Last week, finance.
    ticket(session, created=jst(2026, 11, 17, 10), first=jst(2026, 11, 17, 11), resolved=jst(2026, 11, 18, 10),
           status="resolved", rating=4)  # 1h; 9h
    ticket(session, created=jst(2026, 11, 18, 10), first=jst(2026, 11, 18, 14))  # 4h, still open
    # Approval steps this week.
    step(session, t1, requested=jst(2026, 11, 24, 10), due=jst(2026, 11, 24, 18), status="approved",
         decided=jst(2026, 11, 24, 14))  # 4h, on time
    step(session, t2, requested=jst(2026, 11, 24, 10), due=jst(2026, 11, 24, 18), status="sent_back",
         decided=jst(2026, 11, 25, 12), fix=["receipt_url"])  # 8+3 = 11h, late; missing evidence
    step(session, t3, requested=jst(2026, 11, 25, 10), due=jst(2026, 11, 26, 10), status="rejected",
         decided=jst(2026, 11, 25, 11))  # 1h, on time
    step(session, t4, requested=jst(2026, 11, 26, 10), due=jst(2026, 11, 27, 10), status="pending")  # breached
    # FAQ this week: 4 asked, 2 helped, the same question unanswered twice.
    faq(session, "有給の残りは？", "helped", jst(2026, 11, 24, 10))
    faq(session, "VPNがつながらない", "helped", jst(2026, 11, 25, 10))
    faq(session, "経費の締め日は？", "no_answer", jst(2026, 11, 25, 11))
    faq(session, "経費の締め日は？", "escalated", jst(2026, 11, 26, 11))
    faq(session, "先週の質問", "helped", jst(2026, 11, 18, 11))


@pytest.fixture
def bot(clean_engine):
    running = start_bot(clean_engine, config=approval_config(), clock=ManualClock(POSTED_AT))
    try:
        with running.services.session_factory() as session, session.begin():
            seed(session)
        yield running
    finally:
        running.stop()


def test_the_seeded_weeks_numbers(bot):
    services = bot.services
    with services.session_factory() as session:
        d = compute(session, services.config, services.calendar, POSTED_AT)
    assert (str(d.week_start), str(d.week_end)) == ("2026-11-23", "2026-11-29")
    finance = next(x for x in d.departments if x.key == "finance")
    this, last = finance.this, finance.last
    assert (this.new, this.resolved, this.backlog) == (4, 2, 3)  # open at the end: t3, t4, last week's second
    assert (this.first_response.n, this.first_response.median, this.first_response.p90) == (3, 2.0, 6.0)
    assert (this.resolution.n, this.resolution.median, this.resolution.p90) == (2, 12.0, 15.0)
    assert (last.new, last.resolved, last.backlog) == (2, 1, 1)
    assert (last.first_response.median, last.first_response.p90) == (2.5, 4.0)
    hr = next(x for x in d.departments if x.key == "hr")
    assert (hr.this.new, hr.this.resolved, hr.this.backlog) == (1, 0, 0)
    assert (d.total.this.new, d.total.this.resolved, d.total.this.backlog) == (5, 2, 3)

    a = d.approvals
    assert (a.decided, a.approved, a.sent_back, a.rejected) == (3, 1, 1, 1)
    assert a.send_back_rate == pytest.approx(1 / 3) and a.rejection_rate == pytest.approx(1 / 3)
    assert (a.lead_time.median, a.lead_time.p90) == (4.0, 11.0)
    assert a.sla_breaches == 2
    assert d.approvals_last.decided == 0
    (stalled,) = d.stalled
    assert (stalled.approvers, stalled.waiting_hours) == (["UMANAGER1"], 17.0)  # Thu 8h + Fri 9h

    assert (d.faq.asked, d.faq.helped, d.faq.escalated, d.faq.self_resolution_rate) == (4, 2, 1, 0.5)
    assert d.top_unanswered == [("経費の締め日は？", 2)]
    assert (d.evidence.required, d.evidence.missing, d.evidence.rate) == (2, 1, 0.5)
    assert (d.satisfaction.n, d.satisfaction.mean) == (2, 4.0)
    assert (d.satisfaction_last.n, d.satisfaction_last.mean) == (1, 4.0)
    assert [w.new for w in d.weeks][-2:] == [2, 5] and [w.backlog for w in d.weeks][-2:] == [1, 3]


def test_two_schedulers_post_the_digest_once_with_its_chart(bot):
    replicas = [Scheduler(bot.services, jobs=[weekly_digest]) for _ in range(2)]
    outcomes = [r.tick(POSTED_AT) for r in replicas]  # the same 5-minute check slot: one replica checks
    # Next slot: whoever checks finds the week claimed.
    later = [r.run_if_due(weekly_digest, jst(2026, 11, 30, 9, 5)) for r in replicas]
    assert [x.outcome for x in later if x is not None and x.won] == ["2026-W49: already posted"]
    bot.deliver()

    messages = bot.slack.messages("CDIGEST01")
    posts = [m for m in messages if "週次ダイジェスト" in m.get("text", "")]
    assert len(posts) == 1, (outcomes, later)
    assert "新規 5 件" in posts[0]["text"]
    blocks = posts[0]["blocks"]
    assert len(blocks) <= 50 and all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
    (chart,) = bot.slack.files()
    assert chart.filename == "digest-2026-W49.png" and chart.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert next(m for m in messages if m.get("subtype") == "file_share")["files"][0]["id"] == chart.id
    assert len(bot.slack.calls("files.completeUploadExternal")) == 1


def test_the_week_is_claimed_so_a_second_replica_with_its_own_slot_does_not_post_again(bot):
    from bot.digest.post import post_if_due

    first = post_if_due(bot.services, POSTED_AT, identity="replica-a")
    second = post_if_due(bot.services, jst(2026, 11, 30, 9, 1), identity="replica-b")
    too_late = post_if_due(bot.services, jst(2026, 12, 1, 9, 0), identity="replica-c")  # Tuesday: past its grace
    bot.deliver()
    assert (first, second, too_late) == ("2026-W49: posted to CDIGEST01", "2026-W49: already posted",
                                         "2026-W49: past its grace, not posted")
    assert len([m for m in bot.slack.messages("CDIGEST01") if "週次ダイジェスト" in m.get("text", "")]) == 1
