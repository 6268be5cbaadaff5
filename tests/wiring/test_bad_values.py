"""Bad values get a clear answer, never a traceback: absurd delegation dates are field errors in the
user's language, and a tampered button value is a refused click (a polite ephemeral), on every
action that reads a value."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.approvals.delegation_view import ENDS_BLOCK, STARTS_BLOCK
from bot.slack_ids import ApprovalAction, ApprovalCallback, FaqAction, IntakeAction, TicketAction
from models import Delegation
from tests.service.approvals_fixtures import (
    EMPLOYEE,
    EMPLOYEE_EN,
    FIN_LEAD,
    MANAGER,
    approval_bot_fixture,  # noqa: F401 - the `bot` fixture
)
from tests.wiring.test_approvals_journeys import fill_delegation

TOO_LONG_JA = "代理期間は1年（366日）以内にしてください。"
TOO_LONG_EN = "A delegation can last at most one year (366 days)."
TOO_LATE_JA = "開始日は1年以内の日付にしてください。"


# -- delegation dates (today is 2026-11-24) ---------------------------------------------------------------
@pytest.mark.parametrize(("user", "starts", "ends", "errors"), [
    (MANAGER, "2026-11-24", "9999-12-31", {ENDS_BLOCK: TOO_LONG_JA}),  # used to be an OverflowError
    (MANAGER, "2026-11-24", "9026-11-24", {ENDS_BLOCK: TOO_LONG_JA}),  # 7,000 years
    (MANAGER, "2026-11-24", "2027-11-26", {ENDS_BLOCK: TOO_LONG_JA}),  # a year and two days
    (MANAGER, "9999-12-31", "9999-12-31", {STARTS_BLOCK: TOO_LATE_JA}),
    (MANAGER, "0001-01-01", "0001-01-01", {ENDS_BLOCK: "終了日が過去になっています。"}),
    (EMPLOYEE_EN, "2026-11-24", "9999-12-31", {ENDS_BLOCK: TOO_LONG_EN}),
])
def test_absurd_delegation_dates_are_field_errors_in_the_users_language(bot, user, starts, ends, errors):
    bot.command(user, "delegate")

    reply = fill_delegation(bot, user, FIN_LEAD, starts, ends)

    assert reply.status == 200
    assert reply.body == {"response_action": "errors", "errors": errors}
    with bot.services.session_factory() as session:
        assert session.scalars(select(Delegation)).all() == []


def test_a_delegation_of_exactly_a_year_is_accepted(bot):
    bot.command(MANAGER, "delegate")

    reply = fill_delegation(bot, MANAGER, FIN_LEAD, "2026-11-24", "2027-11-24")

    assert reply.status == 200 and reply.body in ("", None, {})
    with bot.services.session_factory() as session:
        assert len(session.scalars(select(Delegation)).all()) == 1


def test_the_service_refuses_a_delegation_beyond_datetime_range_or_a_year(bot):
    from datetime import UTC, datetime

    from bot.approvals import delegation
    from bot.errors import ValidationFailed

    with bot.services.session_factory() as session:
        now = bot.services.clock.now()
        with pytest.raises(ValidationFailed) as too_long:
            delegation.create(session, bot.services, delegator=MANAGER, delegate=FIN_LEAD, starts_at=now,
                              ends_at=datetime(9999, 12, 31, 23, 59, tzinfo=UTC), actor=MANAGER)
        assert too_long.value.field_errors == {ENDS_BLOCK: TOO_LONG_JA}
        from datetime import date

        with pytest.raises(ValidationFailed) as beyond:
            delegation.create_for_days(session, bot.services, delegator=MANAGER, delegate=FIN_LEAD,
                                       first_day=date(2026, 11, 24), last_day=date.max, actor=MANAGER)
        assert beyond.value.field_errors == {ENDS_BLOCK: TOO_LONG_JA}


# -- tampered button values ------------------------------------------------------------------------------
TAMPERED = ["abc", "", "12:", ":3", "1:x", "１２:１", "99999999999999999999:1", "-3:1", "0:1", "3.5:1"]
VALUED_ACTIONS = [
    ApprovalAction.APPROVE, ApprovalAction.SEND_BACK, ApprovalAction.REJECT, ApprovalAction.DETAILS,
    ApprovalAction.REASSIGN_OPEN, ApprovalAction.RESUBMIT, ApprovalAction.DELEGATE_CANCEL,
    TicketAction.CLAIM, TicketAction.ASSIGN, TicketAction.HOLD, TicketAction.RESOLVE, TicketAction.REROUTE,
    TicketAction.DETAILS, TicketAction.ANSWER, TicketAction.WITHDRAW, f"{TicketAction.RATE}_3",
    FaqAction.HELPED, FaqAction.NOT_HELPED, FaqAction.SUGGESTION, FaqAction.ESCALATE, FaqAction.CAPTURE,
    IntakeAction.PICK_TYPE,
]
REFUSED_JA = "このボタンは無効です。メッセージが古いか、内容が正しくありません。"


@pytest.mark.parametrize("action", VALUED_ACTIONS)
def test_a_tampered_button_value_is_a_politely_refused_click(bot, action):
    for value in TAMPERED:
        reply = bot.requester.block_action(user_id=EMPLOYEE, action_id=action, value=value, channel_id="CGENERAL",
                                           trigger_id=bot.slack.issue_trigger(EMPLOYEE))
        assert reply.status == 200, (action, value, reply.status)
    bot.deliver()

    said = [e["text"] for e in bot.slack.ephemerals(EMPLOYEE)]
    assert len(said) == len(TAMPERED), said
    if action == IntakeAction.PICK_TYPE:  # a request type key, not a number: an unknown type
        assert all("受付番号" not in text for text in said), said
    else:
        # The malformed ones are refused as such; a value whose leading id is well-formed ("12:", "1:x")
        # gets the service's own polite answer (no ticket 12, not your question…).
        malformed = ["abc", "", ":3", "１２:１", "99999999999999999999:1", "-3:1", "0:1", "3.5:1"]
        assert [s for v, s in zip(TAMPERED, said, strict=True) if v in malformed] == [REFUSED_JA] * len(malformed)
        assert all("受付番号" not in text for text in said), said
    assert bot.slack.modal_stack(EMPLOYEE) == []


@pytest.mark.parametrize("callback", [ApprovalCallback.REASON, ApprovalCallback.REASSIGN])
@pytest.mark.parametrize("metadata", ["", "not json", json.dumps({"step": "abc", "version": 1}),
                                      json.dumps({"step": 1}), json.dumps([1, 2]),
                                      json.dumps({"step": 10**30, "version": 1, "outcome": "approved"})])
def test_a_modal_with_tampered_private_metadata_is_refused_not_crashed(bot, callback, metadata):
    view = {"id": "V0TAMPER", "type": "modal", "callback_id": callback, "private_metadata": metadata,
            "title": {"type": "plain_text", "text": "x"}, "blocks": []}

    reply = bot.requester.view_submission(user_id=EMPLOYEE, view=view, values={})

    assert reply.status == 200
    assert reply.body["response_action"] == "push"
    assert REFUSED_JA in json.dumps(reply.body["view"], ensure_ascii=False)
