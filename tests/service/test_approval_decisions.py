"""Decisions on approval steps against a real database: only the right person, only once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import audit
from bot.approvals import decide as decisions
from bot.approvals import delegation, flow, notify
from bot.approvals.decide import StepNotOpen
from bot.approvals.steps import steps_of
from bot.errors import AlreadyDecided, NotAuthorized, ValidationFailed
from models import ApprovalStep, AuditEvent, Ticket
from tests.harness import start_bot
from tests.service.approvals_fixtures import (
    ADMIN,
    CFO,
    EMPLOYEE,
    FIN_LEAD,
    MANAGER,
    OUTSIDER,
    START,
    approval_config,
    clock,
    new_ticket,
)


@pytest.fixture
def app(clean_engine):
    running = start_bot(clean_engine, config=approval_config(), clock=clock())
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def services(app):
    return app.services


def submit(services, **kw):
    with services.session_factory() as session, session.begin():
        ticket = new_ticket(session, **kw)
        started = flow.start_approval(session, services, ticket, ticket.requester_id)
        return ticket.id, started


def pending_step(services, ticket_id):
    with services.session_factory() as session:
        return session.scalar(select(ApprovalStep).where(ApprovalStep.ticket_id == ticket_id,
                                                         ApprovalStep.status == "pending"))


def click(services, step, actor, outcome="approved", **kw):
    with services.session_factory() as session, session.begin():
        return decisions.decide(session, services, step_id=step.id, version=step.version, actor=actor,
                                outcome=outcome, **kw)


def ticket_status(services, ticket_id):
    with services.session_factory() as session:
        return session.get(Ticket, ticket_id).status


@pytest.mark.parametrize(
    ("amount", "approvers"),
    [(30_000, [MANAGER]), (300_000, [MANAGER, FIN_LEAD]), (1_500_000, [MANAGER, FIN_LEAD, CFO])],
)
def test_each_approver_in_turn_then_the_ticket_is_approved(services, amount, approvers):
    ticket_id, started = submit(services, amount=amount)
    assert started and ticket_status(services, ticket_id) == "pending_approval"

    for approver in approvers:
        step = pending_step(services, ticket_id)
        assert step.approvers == [approver]
        click(services, step, approver)

    assert pending_step(services, ticket_id) is None
    assert ticket_status(services, ticket_id) == "approved"


def test_an_outsider_is_refused_and_nothing_changes(services):
    ticket_id, _ = submit(services)
    step = pending_step(services, ticket_id)

    for outsider in (OUTSIDER, EMPLOYEE, ADMIN):
        with pytest.raises(NotAuthorized):
            click(services, step, outsider)

    after = pending_step(services, ticket_id)
    assert (after.status, after.version, after.decided_by) == ("pending", step.version, None)


def test_a_second_click_is_told_who_decided_and_when_and_a_repeat_of_ones_own_decision_needs_no_answer(services):
    ticket_id, _ = submit(services)
    step = pending_step(services, ticket_id)
    click(services, step, MANAGER)

    with pytest.raises(AlreadyDecided) as repeat:
        click(services, step, MANAGER)
    with pytest.raises(AlreadyDecided) as other:
        click(services, step, MANAGER, outcome="rejected", reason="やはり却下")

    with services.session_factory() as session:
        number = session.get(Ticket, ticket_id).number
    when = notify.local_time(services, START, "ja")  # as the receipt writes it: 2026/11/24(火) 10:00
    assert repeat.value.silent and not other.value.silent
    assert other.value.message("ja") == f"{number} 経費精算は 佐藤 健 が {when} に承認済みです。"
    when_en = notify.local_time(services, START, "en")  # Tue, Nov 24, 2026, 10:00
    assert other.value.message("en") == f"{number} Expense claim was already approved by 佐藤 健 ({when_en})."


def test_send_back_and_reject_need_a_reason(services):
    ticket_id, _ = submit(services)
    step = pending_step(services, ticket_id)

    for outcome in ("sent_back", "rejected"):
        with pytest.raises(ValidationFailed) as missing:
            click(services, step, MANAGER, outcome=outcome, reason="  ")
        assert missing.value.field_errors == {decisions.REASON_BLOCK: "理由を入力してください。"}


@pytest.mark.parametrize("outcome", ["approved", "sent_back", "rejected"])
def test_a_reason_is_bounded_and_cleaned_by_the_service_whatever_the_door(services, outcome):
    """The requester is sent the reason: the service itself caps it (not only the modal's max_length)
    and strips what PostgreSQL refuses (NUL)."""
    ticket_id, _ = submit(services)
    step = pending_step(services, ticket_id)

    with pytest.raises(ValidationFailed) as too_long:
        click(services, step, MANAGER, outcome=outcome, reason="長" * 45_000)
    assert too_long.value.field_errors == {decisions.REASON_BLOCK: "2,000文字以内で入力してください。"}
    assert pending_step(services, ticket_id).id == step.id  # nothing decided

    click(services, step, MANAGER, outcome=outcome, reason="領収書\x00が\x07ありません")
    with services.session_factory() as session:
        assert steps_of(session, ticket_id)[0].comment == "領収書がありません"


def test_a_reassignment_reason_is_bounded_by_the_service(services):
    ticket_id, _ = submit(services)
    step = pending_step(services, ticket_id)
    with services.session_factory() as session, session.begin(), pytest.raises(ValidationFailed) as too_long:
        decisions.reassign(session, services, step_id=step.id, version=step.version, actor=ADMIN, to=CFO,
                           reason="x" * 2_001)
    assert too_long.value.field_errors == {decisions.REASSIGN_REASON_BLOCK: "2,000文字以内で入力してください。"}


def test_rejection_closes_the_ticket_and_cancels_the_rest_of_the_chain(services):
    ticket_id, _ = submit(services, amount=300_000)
    click(services, pending_step(services, ticket_id), MANAGER, outcome="rejected", reason="私費です")

    with services.session_factory() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket.status == "rejected" and ticket.closed_at is not None
        assert [s.status for s in steps_of(session, ticket_id)] == ["rejected", "cancelled"]
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "ticket.rejected")).one()
        assert (event.actor_id, event.reason) == (MANAGER, "私費です")


def test_a_delegate_decides_on_behalf_while_the_delegation_is_active(services):
    ticket_id, _ = submit(services)
    with services.session_factory() as session, session.begin():
        delegation.create(session, services, delegator=MANAGER, delegate=FIN_LEAD, starts_at=START,
                          ends_at=START + timedelta(days=3), actor=MANAGER)

    click(services, pending_step(services, ticket_id), FIN_LEAD)

    with services.session_factory() as session:
        step = steps_of(session, ticket_id)[0]
        assert (step.decided_by, step.on_behalf_of) == (FIN_LEAD, MANAGER)
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "step.approved")).one()
        assert (event.actor_id, event.on_behalf_of) == (FIN_LEAD, MANAGER)


def test_an_expired_delegation_gives_no_authority(services):
    ticket_id, _ = submit(services)
    with services.session_factory() as session, session.begin():
        delegation.create(session, services, delegator=MANAGER, delegate=FIN_LEAD, starts_at=START,
                          ends_at=START + timedelta(hours=1), actor=MANAGER)
    services.clock.advance(timedelta(hours=2))

    with pytest.raises(NotAuthorized):
        click(services, pending_step(services, ticket_id), FIN_LEAD)


def test_an_admin_reassigns_a_step_and_the_new_approver_decides(services):
    ticket_id, _ = submit(services)
    step = pending_step(services, ticket_id)
    with services.session_factory() as session, session.begin(), pytest.raises(NotAuthorized):
        decisions.reassign(session, services, step_id=step.id, version=step.version, actor=MANAGER, to=CFO)
    with services.session_factory() as session, session.begin():
        decisions.reassign(session, services, step_id=step.id, version=step.version, actor=ADMIN, to=CFO,
                           reason="佐藤さんは長期休暇中")

    moved = pending_step(services, ticket_id)
    with pytest.raises(NotAuthorized):
        click(services, step, MANAGER)  # the old button: no longer the approver
    click(services, moved, CFO)
    assert ticket_status(services, ticket_id) == "approved"
    with services.session_factory() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "step.reassigned")).one()
        assert (event.actor_id, event.before["approvers"], event.after["approvers"]) == (ADMIN, [MANAGER], [CFO])


def test_withdrawal_cancels_open_steps(services):
    ticket_id, _ = submit(services, amount=300_000)
    with services.session_factory() as session, session.begin():
        flow.cancel_approval(session, services, session.get(Ticket, ticket_id), EMPLOYEE)

    with services.session_factory() as session:
        assert [s.status for s in steps_of(session, ticket_id)] == ["cancelled", "cancelled"]
    with pytest.raises(StepNotOpen):
        click(services, pending_step(services, ticket_id) or _first(services, ticket_id), MANAGER)


def _first(services, ticket_id):
    with services.session_factory() as session:
        return steps_of(session, ticket_id)[0]


def test_the_audit_chain_stays_intact_through_a_whole_approval(services):
    ticket_id, _ = submit(services, amount=300_000)
    click(services, pending_step(services, ticket_id), MANAGER)
    click(services, pending_step(services, ticket_id), FIN_LEAD)

    with services.session_factory() as session:
        assert audit.verify(session) is None
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["approval.chain_built", "ticket.approval_requested", "step.requested", "step.approved",
                       "step.requested", "step.approved", "ticket.approved"]


def test_concurrent_clicks_make_exactly_one_decision(services, backend):
    """Twenty on PostgreSQL. SQLite serialises writers on one file lock and its pool holds 15
    connections, so it gets as many clicks as the HTTP server has threads (8) — more would only test
    the pool's queue, not the compare-and-set."""
    clicks = 20 if backend == "postgresql" else 8
    ticket_id, _ = submit(services)
    step = pending_step(services, ticket_id)
    barrier = threading.Barrier(clicks)
    outcomes: list[str] = []
    lock = threading.Lock()

    def approve() -> None:
        barrier.wait()
        try:
            click(services, step, MANAGER)
            result = "decided"
        except AlreadyDecided:
            result = "already decided"
        except Exception as exc:  # anything else is a bug worth seeing in the assertion
            result = f"error: {type(exc).__name__}: {exc}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=approve) for _ in range(clicks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert Counter(outcomes) == {"decided": 1, "already decided": clicks - 1}
    with services.session_factory() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "step.approved")).all().__len__() == 1
        assert session.get(Ticket, ticket_id).status == "approved"
        assert audit.verify(session) is None


@pytest.mark.parametrize(("per_type", "due_local"), [
    ({}, "2026-11-24 18:00"),  # the default 8 business hours from Tuesday 10:00, working hours 9–18
    ({"expense": {"approval_sla_business_hours": 2}}, "2026-11-24 12:00"),
])
def test_an_asked_step_is_due_after_its_types_sla_in_business_hours(clean_engine, per_type, due_local):
    from bot.config.workspace import ReminderRules

    config = approval_config()
    reminders = config.reminders.model_copy(update={"per_type": {k: ReminderRules(**v) for k, v in per_type.items()}})
    running = start_bot(clean_engine, config=config.model_copy(update={"reminders": reminders}), clock=clock())
    try:
        ticket_id, _ = submit(running.services)
        step = pending_step(running.services, ticket_id)
        local = step.due_at.astimezone(running.services.calendar.tz)
        assert (step.requested_at == START, local.strftime("%Y-%m-%d %H:%M")) == (True, due_local)
    finally:
        running.stop()


def test_skipping_a_step_asks_the_next_approver_and_closes_the_skipped_ones_message(app, services):
    ticket_id, _ = submit(services, amount=300_000)
    app.deliver()
    first = pending_step(services, ticket_id)
    with services.session_factory() as session, session.begin():
        asked = flow.skip_step(session, services, session.get(ApprovalStep, first.id), reason="3 回リマインド済み")
        assert asked is not None and asked.approvers == [FIN_LEAD]
    app.deliver()

    with services.session_factory() as session:
        assert [(s.status, s.comment) for s in steps_of(session, ticket_id)] == [
            ("skipped", "3 回リマインド済み"), ("pending", None)]
    managers = [m for m in app.slack.messages(app.slack.dm_channel(MANAGER)) if "承認依頼" in m.get("text", "")]
    assert "このステップはスキップされ、次の承認者に回りました" in str(managers[-1]["blocks"])
    with pytest.raises(StepNotOpen) as refused:
        click(services, first, MANAGER)
    assert refused.value.message("en") == "This step was skipped and passed to the next approver."


def test_the_last_step_is_never_skipped(services):
    ticket_id, _ = submit(services)
    step = pending_step(services, ticket_id)
    with services.session_factory() as session, session.begin():
        assert flow.skip_step(session, services, session.get(ApprovalStep, step.id), reason="x") is None
    assert pending_step(services, ticket_id).id == step.id
