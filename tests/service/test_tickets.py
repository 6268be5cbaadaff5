"""Ticket services against a real database: numbers that never repeat, one ticket per submission under
concurrency, SLA due times in business hours with the hold pause, and illegal moves refused."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import audit
from bot.clock import ManualClock
from bot.config import load_workspace
from bot.errors import InvalidTransition, NotAuthorized, ValidationFailed
from bot.settings import BUNDLED_CONFIG
from bot.tickets import requester, triage
from bot.tickets.submit import submit
from models import AuditEvent, Ticket
from tests.harness import start_bot
from tests.wiring.intake_steps import EMPLOYEE, GA_AGENT, without_approvals

JST_MONDAY_10 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # Monday 2026-12-07 10:00 in Tokyo, no holiday
ROOM = {"subject": "会議室の予約", "details": "来週の会議室を予約したいです", "department": "general_affairs"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(JST_MONDAY_10)


@pytest.fixture
def services(clean_engine, clock):
    running = start_bot(clean_engine, config=without_approvals(load_workspace(BUNDLED_CONFIG)), clock=clock)
    try:
        yield running.services
    finally:
        running.stop()


def new(services, *, key: str | None = None, values: dict | None = None, type_key: str = "inquiry",
        who: str = EMPLOYEE) -> Ticket:
    with services.session_factory() as session, session.begin():
        return submit(session, services, requester=who, type_key=type_key, raw=values or ROOM, locale="ja",
                      submission_key=key)


def act(services, fn, *args):  # type: ignore[no-untyped-def]
    with services.session_factory() as session, session.begin():
        return fn(session, services, *args)


def local(dt: datetime) -> str:
    return dt.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%a %m/%d %H:%M")


def test_numbers_count_per_department(services):
    numbers = [new(services, values={**ROOM, "department": d}).number
               for d in ("general_affairs", "finance", "general_affairs", "it", "finance")]

    assert numbers == ["GA-0001", "FIN-0001", "GA-0002", "IT-0001", "FIN-0002"]


def test_concurrent_submissions_to_one_department_never_share_a_number(services):
    numbers: list[str] = []
    errors: list[BaseException] = []

    def one(i: int) -> None:
        try:
            numbers.append(new(services, key=f"k{i}").number)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(12)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()

    assert errors == []
    assert sorted(numbers) == [f"GA-{n:04d}" for n in range(1, 13)]


def test_the_same_submission_racing_itself_makes_one_ticket(services):
    got: list[str] = []

    def one() -> None:
        got.append(new(services, key="view:V123").number)

    threads = [threading.Thread(target=one) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()

    assert got == ["GA-0001"] * 8
    with services.session_factory() as session:
        assert session.scalars(select(Ticket.number)).all() == ["GA-0001"]


@pytest.mark.parametrize(("values", "field"), [
    ({"category": "meeting", "amount": 5800}, "receipts"),  # a receipt (a file or a link) whatever the amount
    ({"category": "transport", "amount": 30_000}, "receipts"),  # transport: from ¥30,000
    ({"category": "transport", "amount": 1200, "spent_on": "2026-12-08"}, "spent_on"),  # tomorrow
])
def test_the_service_checks_evidence_and_dates_again_whatever_the_modal_let_through(services, values, field):
    expense = {"spent_on": "2026-12-04", "purpose": "客先訪問", **values}

    with pytest.raises(ValidationFailed) as refused:
        new(services, type_key="expense", values=expense)

    assert list(refused.value.field_errors) == [f"field_{field}"]
    with services.session_factory() as session:
        assert session.scalars(select(Ticket)).all() == []


def test_sla_due_times_count_business_hours(services):
    t = new(services)  # inquiry: first response 8 h, resolution 24 h, working 09:00-18:00

    assert local(t.first_response_due) == "Mon 12/07 18:00"
    assert local(t.resolution_due) == "Wed 12/09 16:00"


def test_a_hold_pauses_the_sla_clock_until_the_requester_answers(services, clock):
    t = new(services)
    act(services, triage.claim, t.id, GA_AGENT)
    clock.set(JST_MONDAY_10 + timedelta(days=1))  # Tuesday 10:00
    act(services, triage.hold, t.id, GA_AGENT, "参加人数は？", "ja")

    clock.set(JST_MONDAY_10 + timedelta(days=2))  # Wednesday 10:00: 9 business hours later
    answered = act(services, requester.answer, t.id, EMPLOYEE, "12名です", "ja")

    assert local(answered.resolution_due) == "Thu 12/10 16:00"  # Wed 16:00 + 9 h
    assert answered.sla_paused_at is None


@pytest.mark.parametrize(
    ("steps", "then", "error"),
    [
        ([], lambda s, t: requester.answer(s, s.info["services"], t, EMPLOYEE, "x", "ja"), InvalidTransition),
        ([], lambda s, t: requester.rate(s, s.info["services"], t, EMPLOYEE, 5), InvalidTransition),
        (["withdraw"], lambda s, t: triage.claim(s, s.info["services"], t, GA_AGENT), InvalidTransition),
        (["withdraw"], lambda s, t: requester.withdraw(s, s.info["services"], t, EMPLOYEE), InvalidTransition),
        (["claim", "resolve"], lambda s, t: triage.hold(s, s.info["services"], t, GA_AGENT, "?", "ja"),
         InvalidTransition),
        ([], lambda s, t: triage.resolve(s, s.info["services"], t, GA_AGENT, "  ", "ja"), ValidationFailed),
        ([], lambda s, t: triage.claim(s, s.info["services"], t, EMPLOYEE), NotAuthorized),
        ([], lambda s, t: requester.withdraw(s, s.info["services"], t, GA_AGENT), NotAuthorized),
    ],
)
def test_illegal_moves_are_refused_and_change_nothing(services, steps, then, error):
    t = new(services)
    for step in steps:
        if step == "withdraw":
            act(services, requester.withdraw, t.id, EMPLOYEE)
        elif step == "claim":
            act(services, triage.claim, t.id, GA_AGENT)
        elif step == "resolve":
            act(services, triage.resolve, t.id, GA_AGENT, "done", "ja")
    with services.session_factory() as session:
        before = session.get(Ticket, t.id).status
        session.info["services"] = services
        with pytest.raises(error):
            then(session, t.id)
        session.rollback()
        assert session.get(Ticket, t.id).status == before


def test_every_transition_leaves_one_audit_event_and_the_chain_holds(services):
    t = new(services)
    act(services, triage.claim, t.id, GA_AGENT)
    act(services, triage.hold, t.id, GA_AGENT, "参加人数は？", "ja")
    act(services, requester.answer, t.id, EMPLOYEE, "12名", "ja")
    act(services, triage.reroute, t.id, GA_AGENT, "hr", "人事の担当です", "ja")
    act(services, triage.claim, t.id, "UHRAGENT1")
    act(services, triage.resolve, t.id, "UHRAGENT1", "対応しました", "ja")
    act(services, requester.rate, t.id, EMPLOYEE, 5)

    with services.session_factory() as session:
        events = [(e.action, e.actor_id) for e in audit_events(session, t.id)]
        assert audit.verify(session) is None
    assert events == [("ticket.submitted", EMPLOYEE), ("ticket.claimed", GA_AGENT), ("ticket.put_on_hold", GA_AGENT),
                      ("ticket.answered", EMPLOYEE), ("ticket.rerouted", GA_AGENT),
                      ("ticket.claimed", "UHRAGENT1"), ("ticket.resolved", "UHRAGENT1"), ("ticket.rated", EMPLOYEE)]


def audit_events(session, ticket_id):  # type: ignore[no-untyped-def]
    return session.scalars(select(AuditEvent).where(AuditEvent.ticket_id == ticket_id).order_by(AuditEvent.id))
