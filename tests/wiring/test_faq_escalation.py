"""From the FAQ to a person and back, over signed HTTP: 解決しない / 担当者に問い合わせる opens the inquiry
form pre-filled with the question, which lands as a ticket on the right desk; a conversation stays in its
thread; an agent turns a resolved ticket's answer into a new FAQ entry that answers the next asker."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.fakeslack import events
from bot.fakeslack.state_values import state_value
from bot.slack_ids import FaqAction, FaqBlock, TicketAction, TicketBlock
from models import FaqEntry, FaqQuery, Ticket
from tests.wiring.intake_steps import (
    EMPLOYEE,
    GA_AGENT,
    TRIAGE,
    card,
    dms,
    everything,
    fill_modal,
    modal,
    text_block,
)
from tests.wiring.intake_steps import (
    click as click_card,
)

HELP_CHANNEL = "CHELPDESK"


# -- steps -------------------------------------------------------------------------------------------
def buttons(message: dict[str, Any]) -> dict[str, str]:
    return {e["action_id"]: e.get("value", "") for b in message.get("blocks", []) if b["type"] == "actions"
            for e in b["elements"]}


def click(bot: Any, user: str, channel: str, message: dict[str, Any], action_id: str) -> Any:
    reply = bot.requester.block_action(user_id=user, action_id=action_id, value=buttons(message)[action_id],
                                       channel_id=channel, message=message,
                                       trigger_id=bot.slack.issue_trigger(user))
    bot.deliver()
    return reply


def ask_by_dm(bot: Any, user: str, text: str) -> dict[str, Any]:
    assert bot.dm(user, text).status == 200
    bot.deliver()
    return dms(bot, user)[-1]


def queries(bot: Any) -> list[FaqQuery]:
    with bot.services.session_factory() as session:
        return list(session.scalars(select(FaqQuery).order_by(FaqQuery.id)))


def newest_ticket(bot: Any) -> Ticket | None:
    with bot.services.session_factory() as session:
        return session.scalar(select(Ticket).order_by(Ticket.id.desc()).limit(1))


def initial_values(view: dict[str, Any]) -> dict[str, Any]:
    """block_id → what the form shows before the user types anything."""
    shown: dict[str, Any] = {}
    for block in view.get("blocks", []):
        element = block.get("element") or {}
        if block.get("type") != "input":
            continue
        if "initial_value" in element:
            shown[block["block_id"]] = element["initial_value"]
        elif "initial_option" in element:
            shown[block["block_id"]] = element["initial_option"]["value"]
    return shown


def submit_as_shown(bot: Any, user: str) -> Any:
    """Press 送信 on the user's top modal without changing anything, as Slack reports it."""
    view = modal(bot, user)
    shown = initial_values(view)
    state = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        state[block["block_id"]] = {element["action_id"]: state_value(element["type"], shown.get(block["block_id"]))}
    reply = bot.requester.view_submission(user_id=user, view=view, values=state)
    bot.deliver()
    return reply


def views_opened_with(bot: Any, text: str) -> list[dict[str, Any]]:
    return [c.params["view"] for c in bot.slack.calls("views.open") if text in str(c.params.get("view"))]


# -- escalation into a routed inquiry --------------------------------------------------------------
def test_not_solved_then_ask_a_person_files_the_question_on_the_right_desk(bot):
    dm = bot.slack.dm_channel(EMPLOYEE)
    question = "給与明細はどこで見られますか"
    answer = ask_by_dm(bot, EMPLOYEE, question)
    click(bot, EMPLOYEE, dm, answer, FaqAction.NOT_HELPED)
    sorry = bot.slack.message(dm, answer["ts"])

    assert click(bot, EMPLOYEE, dm, sorry, FaqAction.ESCALATE).status == 200

    # The inquiry form opened with the question already written in it, and routed by it.
    (opened,) = views_opened_with(bot, question)
    assert question in initial_values(opened).values()
    form = modal(bot, EMPLOYEE)
    assert initial_values(form).get("field_department") == "hr"
    assert queries(bot)[-1].outcome == "escalated"
    assert FaqAction.ESCALATE not in buttons(bot.slack.message(dm, answer["ts"]))  # asked once is enough

    reply = submit_as_shown(bot, EMPLOYEE)

    assert reply.status == 200, reply.body
    ticket = newest_ticket(bot)
    assert ticket is not None
    assert (ticket.request_type, ticket.department, ticket.requester_id) == ("inquiry", "hr", EMPLOYEE)
    assert question in str(ticket.fields)
    assert question in everything(card(bot, "hr", ticket.number))
    assert queries(bot)[-1].ticket_id == ticket.id  # the query log knows where the question went


def test_no_answer_offers_a_person_and_the_form_carries_the_question(bot):
    dm = bot.slack.dm_channel(EMPLOYEE)
    question = "株主総会の招集通知を確認してほしい"
    nothing = ask_by_dm(bot, EMPLOYEE, question)
    assert set(buttons(nothing)) == {FaqAction.ESCALATE}
    assert queries(bot)[-1].outcome == "no_answer"

    click(bot, EMPLOYEE, dm, nothing, FaqAction.ESCALATE)

    assert views_opened_with(bot, question)
    assert queries(bot)[-1].outcome == "escalated"
    department = initial_values(modal(bot, EMPLOYEE)).get("field_department")
    assert submit_as_shown(bot, EMPLOYEE).status == 200
    ticket = newest_ticket(bot)
    assert ticket is not None and question in str(ticket.fields)
    assert ticket.department == (department or ticket.department)
    assert (queries(bot)[-1].outcome, queries(bot)[-1].ticket_id) == ("escalated", ticket.id)
    assert ticket.number in str([m.get("text") for m in bot.slack.messages(TRIAGE[ticket.department])])


def test_someone_else_cannot_escalate_my_question(bot):
    dm = bot.slack.dm_channel(EMPLOYEE)
    nothing = ask_by_dm(bot, EMPLOYEE, "株主総会の招集通知を確認してほしい")
    opened_before = len(bot.slack.calls("views.open"))

    reply = bot.requester.block_action(user_id="UEMPLOYEE2", action_id=FaqAction.ESCALATE,
                                       value=buttons(nothing)[FaqAction.ESCALATE], channel_id=dm, message=nothing,
                                       trigger_id=bot.slack.issue_trigger("UEMPLOYEE2"))
    bot.deliver()

    assert reply.status == 200
    assert len(bot.slack.calls("views.open")) == opened_before  # no form for someone else's question
    assert queries(bot)[-1].outcome == "no_answer"


# -- threads ---------------------------------------------------------------------------------------------
def test_a_follow_up_mention_in_the_answer_thread_stays_in_that_thread(bot):
    first = events.app_mention(user=EMPLOYEE, channel=HELP_CHANNEL, text="<@UBOT00001> VPNに繋がらない")
    bot.requester.event(first)
    bot.deliver()
    follow_up = events.app_mention(user=EMPLOYEE, channel=HELP_CHANNEL, text="<@UBOT00001> パスワードも忘れました",
                                   thread_ts=first["ts"])
    bot.requester.event(follow_up)
    bot.deliver()

    replies = bot.slack.messages(HELP_CHANNEL)
    assert [r["thread_ts"] for r in replies] == [first["ts"], first["ts"]]
    assert "VPN" in everything(replies[0]) and "パスワード" in everything(replies[1])
    logged = queries(bot)
    assert [(q.channel, q.thread_ts) for q in logged] == [(HELP_CHANNEL, first["ts"])] * 2


# -- FAQ capture from a resolved ticket ------------------------------------------------------------
NEW_QUESTION = "社内報に記事を載せたい"
NOTE = "社内報の原稿は毎月10日までに総務部の社内報フォームから送ってください。写真は2枚まで載せられます。"


def resolved_ga_ticket(bot: Any) -> Ticket:
    """Yamada's question the FAQ could not answer, escalated, routed to 総務, resolved there with a note."""
    dm = bot.slack.dm_channel(EMPLOYEE)
    asked = ask_by_dm(bot, EMPLOYEE, NEW_QUESTION)
    assert "社内報の原稿は毎月10日まで" not in everything(asked)
    if FaqAction.ESCALATE not in buttons(asked):  # something else was offered: 解決しない first
        click(bot, EMPLOYEE, dm, asked, FaqAction.NOT_HELPED)
        asked = bot.slack.message(dm, asked["ts"])
    click(bot, EMPLOYEE, dm, asked, FaqAction.ESCALATE)
    assert submit_as_shown(bot, EMPLOYEE).status == 200
    ticket = newest_ticket(bot)
    assert ticket is not None and ticket.department == "general_affairs"
    ga = TRIAGE["general_affairs"]
    click_card(bot, GA_AGENT, card(bot, "general_affairs", ticket.number), TicketAction.CLAIM, ga)
    click_card(bot, GA_AGENT, card(bot, "general_affairs", ticket.number), TicketAction.RESOLVE, ga)
    fill_modal(bot, GA_AGENT, text_block(TicketBlock.NOTE, NOTE))
    with bot.services.session_factory() as session:
        done = session.get(Ticket, ticket.id)
        assert done is not None and done.status == "resolved"
        return done


def test_an_agent_turns_a_resolved_ticket_into_an_faq_entry_that_answers_the_next_asker(bot):
    ticket = resolved_ga_ticket(bot)
    ga = TRIAGE["general_affairs"]
    resolved = card(bot, "general_affairs", ticket.number)
    assert buttons(resolved).get(FaqAction.CAPTURE) == str(ticket.id)

    click_card(bot, GA_AGENT, resolved, FaqAction.CAPTURE, ga)

    # Pre-filled: the question the employee asked, the desk's resolution note, the ticket's department.
    form = modal(bot, GA_AGENT)
    shown = initial_values(form)
    assert shown[FaqBlock.QUESTION] == NEW_QUESTION
    assert shown[FaqBlock.ANSWER] == NOTE
    assert shown[FaqBlock.DEPARTMENT] == "general_affairs"
    reply = fill_modal_as(bot, GA_AGENT, {FaqBlock.VARIANTS: "社内報に投稿するには\n社内報の原稿の締め切り"})
    assert reply.status == 200 and "errors" not in str(reply.body), reply.body

    with bot.services.session_factory() as session:
        entry = session.scalar(select(FaqEntry).where(FaqEntry.source_ticket_id == ticket.id))
    assert entry is not None
    assert (entry.question, entry.answer, entry.department) == (NEW_QUESTION, NOTE, "general_affairs")
    assert entry.variants == ["社内報に投稿するには", "社内報の原稿の締め切り"]
    assert "FAQ" in everything(dms(bot, GA_AGENT)[-1])

    # The index noticed at once: the next employee who asks gets the desk's answer.
    answer = ask_by_dm(bot, "UEMPLOYEE2", "社内報の原稿の締め切りはいつ？")
    assert "社内報の原稿は毎月10日まで" in everything(answer)
    assert queries(bot)[-1].tier == "answer"


def fill_modal_as(bot: Any, user: str, changes: dict[str, str]) -> Any:
    """Submit the top modal with its pre-filled values, some text inputs changed."""
    view = modal(bot, user)
    shown = {**initial_values(view), **changes}
    state = {}
    for block in view["blocks"]:
        if block.get("type") == "input":
            element = block["element"]
            state[block["block_id"]] = {
                element["action_id"]: state_value(element["type"], shown.get(block["block_id"]))}
    reply = bot.requester.view_submission(user_id=user, view=view, values=state)
    bot.deliver()
    return reply


def test_only_the_departments_agents_can_capture(bot):
    ticket = resolved_ga_ticket(bot)
    resolved = card(bot, "general_affairs", ticket.number)
    modals_before = len(bot.slack.calls("views.open"))

    reply = click_card(bot, EMPLOYEE, resolved, FaqAction.CAPTURE, TRIAGE["general_affairs"])

    assert reply.status == 200
    assert len(bot.slack.calls("views.open")) == modals_before
    assert bot.slack.ephemerals(EMPLOYEE), "the refusal is said, not swallowed"
