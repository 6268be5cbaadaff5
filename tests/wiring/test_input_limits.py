"""Bad values get field errors or are made harmless, never a generic error or a 500, over signed HTTP
on each database: NUL and other control characters are stripped (invisible in Slack's inputs, and
PostgreSQL refuses NUL); amounts are capped even where the config sets no max; hold questions and
answers have a length the resulting messages can carry."""

from __future__ import annotations

from bot.forms import block_id
from bot.slack_ids import TicketAction, TicketBlock
from tests.wiring.intake_steps import (
    EMPLOYEE,
    GA_AGENT,
    TRIAGE,
    audit_actions,
    card,
    click,
    desk_fixture,  # noqa: F401 - the `desk` fixture
    dm_with,
    fill_modal,
    open_picker,
    pick,
    request,
    submit_form,
    text_block,
    ticket,
)
from tests.wiring.test_faq_escalation import ask_by_dm, queries

GA = TRIAGE["general_affairs"]


def test_nul_and_control_characters_in_a_form_are_stripped_not_a_500(desk):
    t = request(desk, EMPLOYEE, "inquiry", {"subject": "会議室\x00の予約\x07",
                                            "details": "来週\x00火曜\tの午後\r\nです", "department": "general_affairs"})

    assert t.fields["subject"] == "会議室の予約" and t.fields["details"] == "来週火曜\tの午後\r\nです"
    assert "会議室の予約" in card(desk, "general_affairs", t.number)["text"] + str(card(desk, "general_affairs",
                                                                                      t.number)["blocks"])


def test_an_amount_of_thousands_of_digits_is_a_field_error_even_without_a_max(desk):
    open_picker(desk, EMPLOYEE)
    pick(desk, EMPLOYEE, "contract_review")  # its amount has no max in the config

    reply = submit_form(desk, EMPLOYEE, "contract_review", {"amount": "9" * 4300})

    assert reply.status == 200 and reply.body["response_action"] == "errors"
    assert reply.body["errors"][block_id("amount")] == "¥1,000,000,000,000以下で入力してください。"


def _held(desk, question="参加人数を教えてください"):  # type: ignore[no-untyped-def]
    t = request(desk, EMPLOYEE, "inquiry", {"subject": "会議室の予約", "details": "来週",
                                            "department": "general_affairs"})
    click(desk, GA_AGENT, card(desk, "general_affairs", t.number), TicketAction.HOLD, GA)
    reply = fill_modal(desk, GA_AGENT, text_block(TicketBlock.QUESTION, question))
    return t, reply


def test_a_45000_character_answer_is_a_field_error_and_the_ticket_stays_on_hold(desk):
    t, _ = _held(desk)
    click(desk, EMPLOYEE, dm_with(desk, EMPLOYEE, "参加人数を教えてください"), TicketAction.ANSWER,
          desk.slack.dm_channel(EMPLOYEE))

    reply = fill_modal(desk, EMPLOYEE, text_block(TicketBlock.ANSWER, "あ" * 45_000))

    assert reply.status == 200 and reply.body["response_action"] == "errors"
    assert reply.body["errors"] == {TicketBlock.ANSWER: "2,000文字以内で入力してください。"}
    assert ticket(desk, t.id).status == "on_hold"


def test_a_question_too_long_for_a_message_is_a_field_error(desk):
    t, reply = _held(desk, "い" * 45_000)

    assert reply.body["response_action"] == "errors"
    assert reply.body["errors"] == {TicketBlock.QUESTION: "2,000文字以内で入力してください。"}
    assert ticket(desk, t.id).status != "on_hold"


def test_nul_in_a_hold_question_and_answer_is_stripped(desk):
    t, reply = _held(desk, "参加\x00人数を教えてください")
    assert reply.status == 200 and not reply.body
    question = dm_with(desk, EMPLOYEE, "参加人数を教えてください")
    click(desk, EMPLOYEE, question, TicketAction.ANSWER, desk.slack.dm_channel(EMPLOYEE))
    reply = fill_modal(desk, EMPLOYEE, text_block(TicketBlock.ANSWER, "12\x00名です"))

    assert reply.status == 200 and not reply.body
    assert ticket(desk, t.id).status == "in_progress"
    assert audit_actions(desk, t.id)[-1] == "ticket.answered"
    assert "12名です" in str(dm_with(desk, GA_AGENT, "回答がありました")["blocks"])


def test_nul_in_a_question_to_the_faq_is_answered_not_a_500(desk):
    ask_by_dm(desk, EMPLOYEE, "給与明細は\x00どこで見られますか")

    assert queries(desk)[-1].text == "給与明細はどこで見られますか"
