"""Delegation (代理承認): set for a date range, decided on behalf, announced at start and end by the scheduler."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.approvals import delegates, delegation, flow
from bot.approvals.jobs import delegation_notices
from bot.errors import NotAuthorized, ValidationFailed
from bot.scheduler import Scheduler
from models import AuditEvent, Delegation, OutboxMessage
from tests.harness import start_bot
from tests.service.approvals_fixtures import CFO, EMPLOYEE, FIN_LEAD, MANAGER, START, approval_config, clock, new_ticket

DAY = timedelta(days=1)


@pytest.fixture
def services(clean_engine):
    running = start_bot(clean_engine, config=approval_config(), clock=clock())
    try:
        yield running.services
    finally:
        running.stop()


def texts_to(services, user):
    with services.session_factory() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.method == "chat.postMessage")
                               .order_by(OutboxMessage.id))
        return [m.payload["text"] for m in rows if m.payload.get("channel") == user]


def set_delegate(services, starts, ends, **kw):
    kw = dict(kw)
    with services.session_factory() as session, session.begin():
        return delegation.create(session, services, delegator=kw.pop("delegator", MANAGER),
                                 delegate=kw.pop("delegate", FIN_LEAD), starts_at=starts, ends_at=ends,
                                 actor=kw.pop("actor", MANAGER), **kw).id


def test_both_people_hear_when_it_starts_and_ends_and_the_delegate_gets_pending_requests(services):
    with services.session_factory() as session, session.begin():
        flow.start_approval(session, services, new_ticket(session), EMPLOYEE)
    set_delegate(services, START + DAY, START + 3 * DAY, reason="夏季休暇")
    scheduler = Scheduler(services, [delegation_notices])

    services.clock.advance(DAY + timedelta(minutes=1))
    scheduler.tick()
    services.clock.advance(2 * DAY)
    scheduler.tick()

    assert [t for t in texts_to(services, MANAGER) if "代理" in t] == [
        "代理承認者を設定しました: 鈴木 一郎 さん（2026/11/25(水) 10:00 〜 2026/11/27(金) 10:00）",
        "代理承認が始まりました。2026/11/27(金) 10:00 まで、あなたの承認依頼は 鈴木 一郎 さんも承認できます。",
        "鈴木 一郎 さんによる代理承認は終了しました。",
    ]
    delegate_texts = texts_to(services, FIN_LEAD)
    assert delegate_texts[0].startswith("佐藤 健 さんがあなたを代理承認者に設定しました")
    assert delegate_texts[1].startswith("佐藤 健 さんの代理承認が始まりました")
    assert delegate_texts[2].startswith("承認依頼: FIN-")  # the pending request, now with buttons for them
    assert delegate_texts[3] == "佐藤 健 さんの代理承認は終了しました。"


def test_notices_are_sent_once_however_often_the_sweep_runs(services):
    set_delegate(services, START, START + DAY)
    with services.session_factory() as session, session.begin():
        again = delegation.notify_delegation_changes(session, services, START + timedelta(minutes=5))

    assert again == 0
    assert len([t for t in texts_to(services, FIN_LEAD) if "始まりました" in t]) == 1


def test_cancelling_ends_it_at_once_and_is_audited(services):
    delegation_id = set_delegate(services, START, START + 3 * DAY)
    with services.session_factory() as session, session.begin(), pytest.raises(NotAuthorized):
        delegation.cancel(session, services, delegation_id, CFO)
    with services.session_factory() as session, session.begin():
        delegation.cancel(session, services, delegation_id, MANAGER)

    with services.session_factory() as session:
        assert delegates.active_at(session, START + timedelta(minutes=1)) == []
        assert session.get(Delegation, delegation_id).end_notified_at is not None
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["delegation.created", "delegation.cancelled"]
    assert texts_to(services, FIN_LEAD)[-1] == "佐藤 健 さんの代理承認は終了しました。"


@pytest.mark.parametrize(
    ("kw", "block", "message"),
    [
        ({"delegate": MANAGER}, delegation.DELEGATE_BLOCK, "自分自身を代理承認者にはできません。"),
        ({"starts": START + DAY, "ends": START}, delegation.ENDS_BLOCK, "終了日は開始日より後にしてください。"),
        ({"starts": START - 3 * DAY, "ends": START - DAY}, delegation.ENDS_BLOCK, "終了日が過去になっています。"),
    ],
)
def test_impossible_delegations_are_refused_under_the_right_field(services, kw, block, message):
    kw = dict(kw)
    starts, ends = kw.pop("starts", START), kw.pop("ends", START + DAY)
    with pytest.raises(ValidationFailed) as refused:
        set_delegate(services, starts, ends, **kw)

    assert refused.value.field_errors == {block: message}


def test_overlapping_delegations_are_refused(services):
    set_delegate(services, START, START + 3 * DAY)
    with pytest.raises(ValidationFailed) as refused:
        set_delegate(services, START + DAY, START + 5 * DAY, delegate=CFO)

    assert delegation.STARTS_BLOCK in refused.value.field_errors


def test_only_the_approver_or_an_admin_sets_a_delegate(services):
    with pytest.raises(NotAuthorized):
        set_delegate(services, START, START + DAY, actor=EMPLOYEE)
    set_delegate(services, START, START + DAY, actor="UADMIN001")
