"""A known week for the digest, seeded by hand (the numbers are worked out in test_digest.py).

The week is Monday 2026-11-23 (勤労感謝の日: no business hours) to Sunday 11-29, posted Monday 11-30
09:00 JST; the week before is 11-16..11-22. Office hours 09:00–18:00 (9 business hours a day)."""

from __future__ import annotations

from itertools import count

from models import ApprovalStep, FaqQuery, Ticket
from tests.service.reminders_fixtures import jst

POSTED_AT = jst(2026, 11, 30, 9, 0)
_seq = count(1)


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
