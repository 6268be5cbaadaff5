"""Workflow Builder's 「madoguchi で承認」 step, as Slack runs it: a `function_executed` event becomes a request on
the approval chain; when it is decided, functions.completeSuccess carries the outcome on — exactly once, across
Slack's retries, a second delivery and a restart of the app. Refused inputs and a withdrawal end the run with
completeError in words the workflow's people can read."""

from __future__ import annotations

from sqlalchemy import select

from bot.slack_ids import ApprovalAction, TicketAction
from bot.workflow_steps.spec import CALLBACK_ID, manifest_function
from models import Ticket, WorkflowRun
from tests.harness import at_once, start_bot
from tests.wiring.approvals_steps import APPROVE, REJECT, SEND_BACK, approval_message, click, give_reason
from tests.wiring.intake_steps import dm_with, modal, submit_form
from tests.wiring.test_approvals_journeys import receipt
from tests.wiring.test_intake_forms import days
from tests.wiring.test_outbox_lost_answers import deliver_after_settling

YAMADA = "UEMPLOYEE1"  # 総務; her manager is Sato
SATO = "UMANAGER1"
CFO = "UCFO00001"
STEP = manifest_function()[CALLBACK_ID]


def run_step(bot, inputs: dict, **kw) -> tuple[dict, int]:
    event = bot.slack.workflow_runs_step(CALLBACK_ID, STEP, inputs)
    status = bot.requester.event(event, **kw).status
    bot.deliver()
    return event, status


def ran_by(user: str) -> dict:
    """A user_context input, as Slack fills it from who ran the workflow."""
    return {"id": user, "secret": "AbCdEf0123"}


def leave_inputs(who: str = YAMADA, **more) -> dict:
    return {"request_type": "leave", "requester": ran_by(who), "fields": f"kind: paid_leave\nstart_on: {days(7)}",
            **more}


def completions(bot) -> list[str]:
    return [c.method for c in bot.slack.calls() if c.method.startswith("functions.")]


def the_ticket(bot, execution_id: str) -> Ticket:
    with bot.services.session_factory() as session:
        run = session.get(WorkflowRun, execution_id)
        assert run is not None and run.ticket_id is not None
        return session.get(Ticket, run.ticket_id)


def test_an_approved_request_carries_its_outcome_on_to_the_workflow_once(bot):
    event, status = run_step(bot, leave_inputs())
    assert status == 200
    execution = event["function_execution_id"]
    ticket = the_ticket(bot, execution)
    assert (ticket.request_type, ticket.requester_id, ticket.status) == ("leave", YAMADA, "pending_approval")
    assert completions(bot) == []  # nothing is decided yet: the workflow waits

    click(bot, SATO, approval_message(bot, SATO), APPROVE)
    bot.deliver()

    assert completions(bot) == ["functions.completeSuccess"]
    done = bot.slack.function_execution(execution)
    assert done["state"] == "completed"
    assert done["outputs"] == {"outcome": "approved", "ticket_number": ticket.number, "approver": SATO, "comment": ""}


def test_a_retried_event_a_second_delivery_and_a_restart_still_make_one_request_and_one_completion(clean_engine):
    first = start_bot(clean_engine)
    try:
        event = first.slack.workflow_runs_step(CALLBACK_ID, STEP, leave_inputs())
        assert first.requester.event(event, event_id="Ev0STEP0001").status == 200
        assert first.requester.event(event, event_id="Ev0STEP0001", retry_num=1).status == 200  # Slack's retry
        assert first.requester.event(event, event_id="Ev0STEP0002").status == 200  # delivered again, anew
        first.deliver()
    finally:
        first.stop_app()  # the app restarts; Slack and the database stay
    second = start_bot(clean_engine, slack=first.slack)
    try:
        card = approval_message(second, SATO)
        click(second, SATO, card, APPROVE)
        second.deliver()
        click(second, SATO, card, APPROVE)  # a second click on the card as it was
        second.deliver()

        with second.services.session_factory() as session:
            assert session.scalar(select(Ticket.id).where(Ticket.request_type == "leave").limit(2).offset(1)) is None
        assert completions(second) == ["functions.completeSuccess"]
        assert second.slack.function_execution(event["function_execution_id"])["state"] == "completed"
    finally:
        second.stop()


def test_a_rejection_ends_the_run_with_who_rejected_and_why(bot):
    event, _ = run_step(bot, leave_inputs())

    card = approval_message(bot, SATO)
    click(bot, SATO, card, REJECT)
    give_reason(bot, SATO, "繁忙期のため別の日にしてください")
    bot.deliver()

    outputs = bot.slack.function_execution(event["function_execution_id"])["outputs"]
    assert (outputs["outcome"], outputs["approver"]) == ("rejected", SATO)
    assert outputs["comment"] == "繁忙期のため別の日にしてください"


def test_a_type_no_one_approves_completes_at_once_with_its_number(bot):
    event, _ = run_step(bot, {"request_type": "inquiry", "requester": ran_by(YAMADA),
                              "fields": "subject: 名刺の発注\ndetails: 100枚お願いします"})

    outputs = bot.slack.function_execution(event["function_execution_id"])["outputs"]
    assert outputs["outcome"] == "not_required" and outputs["ticket_number"] == the_ticket(
        bot, event["function_execution_id"]).number


def test_inputs_the_form_would_refuse_end_the_run_in_the_forms_words(bot):
    cases = [
        ({"request_type": "leave", "requester": ran_by("U0NOBODY1")}, "組織名簿にいない"),
        ({"request_type": "leave", "requester": YAMADA}, "組織名簿にいない"),  # a bare id is not who ran it
        ({"request_type": "travel", "requester": ran_by(YAMADA)},
         "申請の種類「travel」はありません。使える種類: expense"),
        ({"request_type": "leave", "requester": ran_by(YAMADA), "fields": "start_on: " + days(7)},
         "入力内容を確認してください。\n種類（kind）: 入力してください。"),
        ({"request_type": "leave", "requester": ran_by(YAMADA), "fields": '{"kind": {"nested": 1}, "start_on": []}'},
         "入力内容を確認してください。"),
    ]
    for inputs, says in cases:
        event, status = run_step(bot, inputs)
        assert status == 200
        execution = bot.slack.function_execution(event["function_execution_id"])
        assert execution["state"] == "failed" and says in execution["error"], execution
    with bot.services.session_factory() as session:
        assert session.scalar(select(Ticket.id)) is None
    assert completions(bot) == ["functions.completeError"] * len(cases)


def test_a_withdrawn_request_stops_the_workflow(bot):
    event, _ = run_step(bot, leave_inputs())
    ticket = the_ticket(bot, event["function_execution_id"])

    assert ticket.status == "pending_approval"

    click(bot, YAMADA, receipt(bot, YAMADA), TicketAction.WITHDRAW)
    bot.deliver()

    execution = bot.slack.function_execution(event["function_execution_id"])
    assert (execution["state"], execution["error"]) == ("failed", "申請者が申請を取り下げました。")


def test_a_completion_slack_applied_but_did_not_answer_is_not_sent_twice_nor_alerted(bot):
    event, _ = run_step(bot, leave_inputs())
    bot.slack.fail("functions.completeSuccess", "drop_after")  # applied, then the connection drops

    click(bot, SATO, approval_message(bot, SATO), APPROVE)
    deliver_after_settling(bot)

    assert completions(bot) == ["functions.completeSuccess", "functions.completeSuccess"]  # the retry finds it done
    assert bot.slack.function_execution(event["function_execution_id"])["state"] == "completed"
    assert [m.status for m in bot.outbox() if m.method == "functions.completeSuccess"] == ["sent"]
    assert bot.slack.messages(bot.slack.dm_channel("UADMIN001")) == []


def test_a_request_sent_back_and_resubmitted_completes_once_when_approved(bot):
    event, _ = run_step(bot, leave_inputs())
    click(bot, SATO, approval_message(bot, SATO), SEND_BACK)
    give_reason(bot, SATO, "日付を確認してください", ["start_on"])
    assert completions(bot) == []  # sent back is not an end: the workflow still waits

    click(bot, YAMADA, dm_with(bot, YAMADA, "日付を確認してください"), ApprovalAction.RESUBMIT)
    reply = submit_form(bot, YAMADA, "leave", {"kind": "paid_leave", "start_on": days(8)}, view=modal(bot, YAMADA))
    assert reply.status == 200, reply.body
    click(bot, SATO, approval_message(bot, SATO), APPROVE)
    bot.deliver()

    assert completions(bot) == ["functions.completeSuccess"]
    outputs = bot.slack.function_execution(event["function_execution_id"])["outputs"]
    assert (outputs["outcome"], outputs["approver"]) == ("approved", SATO)


def test_two_deliveries_at_the_same_moment_make_one_request(bot):
    event = bot.slack.workflow_runs_step(CALLBACK_ID, STEP, leave_inputs())

    statuses = at_once(lambda: bot.requester.event(event, event_id="Ev0TWIN0001"),
                       lambda: bot.requester.event(event, event_id="Ev0TWIN0002"))
    bot.deliver()

    assert statuses == [200, 200]
    with bot.services.session_factory() as session:
        assert len(session.scalars(select(Ticket.id)).all()) == 1
        assert len(session.scalars(select(WorkflowRun.execution_id)).all()) == 1


def test_a_requester_nobody_is_above_gets_no_approver_not_an_approval(bot):
    event, _ = run_step(bot, leave_inputs(CFO))  # the CFO has no manager: the leave's 上長 step is passed over

    outputs = bot.slack.function_execution(event["function_execution_id"])["outputs"]
    assert outputs["outcome"] == "no_approver" and "approver" not in outputs
