"""No user text can ping @channel or disguise a link: the usual payloads, typed by people into every
door the bot has, over signed HTTP against the fake Slack. Every call the fake received is walked:
each message `text` and every `mrkdwn` text object must show the payload escaped (&, <, >), never as
markup; plain_text objects (inputs' initial values, buttons, titles) must show it as typed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.digest.post import post_if_due
from bot.reminders.jobs import run_reminders
from bot.slack_ids import IntakeShortcut, TicketAction, TicketBlock
from tests.wiring.approvals_steps import REJECT, SEND_BACK, approval_message, give_reason
from tests.wiring.approvals_steps import click as click_dm
from tests.wiring.intake_steps import (
    EMPLOYEE,
    GA_AGENT,
    HELP_CHANNEL,
    MANAGER,
    TRIAGE,
    card,
    click,
    clock_fixture,  # noqa: F401 - the `clock` fixture
    clocked_desk_fixture,  # noqa: F401 - the `desk` fixture, on that clock
    dm_with,
    fill_modal,
    open_home,
    request,
    submit_form,
    text_block,
)
from tests.wiring.test_faq_escalation import ask_by_dm, submit_as_shown
from tests.wiring.test_faq_escalation import click as click_faq

TOKYO = ZoneInfo("Asia/Tokyo")
GA = TRIAGE["general_affairs"]

# What people paste, on purpose or not. `*太字*` may stay bold: only &, < and > are Slack's markup.
PAYLOAD = ("<!channel> <!here> <!everyone> <@U0ADMIN> <https://evil.example|https://sso.example.co.jp/reset> "
           "&lt;b&gt; *太字*")
MARKUP = ("<!channel>", "<!here>", "<!everyone>", "<@U0ADMIN>", "<https://evil.example")
ESCAPED = "&lt;!channel&gt; &lt;!here&gt; &lt;!everyone&gt;"


# -- what the fake Slack received --------------------------------------------------------------------
def _walk(node: Any, kind: str) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == kind and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from _walk(value, kind)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value, kind)


def shown_as_mrkdwn(bot: Any) -> list[tuple[str, str]]:
    """(method, text) for every message text and every mrkdwn text object of every call."""
    out: list[tuple[str, str]] = []
    for call in bot.slack.calls():
        params = call.params
        for key in ("text", "initial_comment"):
            if isinstance(params.get(key), str):
                out.append((call.method, params[key]))
        for key in ("blocks", "view", "attachments"):
            out.extend((call.method, text) for text in _walk(params.get(key), "mrkdwn"))
    return out


def shown_as_plain(bot: Any) -> list[str]:
    texts: list[str] = []
    for call in bot.slack.calls():
        for key in ("blocks", "view"):
            texts.extend(_walk(call.params.get(key), "plain_text"))
            view = call.params.get(key)
            if isinstance(view, dict):  # inputs' initial values are plain text too
                texts.extend(str(b.get("element", {}).get("initial_value", "")) for b in view.get("blocks", [])
                             if isinstance(b, dict))
    return texts


def assert_escaped_everywhere(bot: Any) -> None:
    shown = shown_as_mrkdwn(bot)
    for method, text in shown:
        for markup in MARKUP:
            assert markup not in text, f"{method} posted {markup!r} unescaped: {text[:400]!r}"
        assert "&amp;lt;!channel" not in text, f"{method} escaped twice: {text[:400]!r}"
    assert any(ESCAPED in text for _, text in shown), "the payload never reached a message (path not taken?)"
    for text in shown_as_plain(bot):
        assert "&lt;!channel&gt;" not in text, f"plain_text shows escapes: {text[:200]!r}"


# -- the doors ---------------------------------------------------------------------------------------
def _inquiry(bot: Any, subject: str = PAYLOAD, details: str = PAYLOAD) -> Any:
    return request(bot, EMPLOYEE, "inquiry", {"subject": subject, "details": details,
                                              "department": "general_affairs"})


def request_form(bot: Any) -> None:
    """Form fields and the title built from them: the receipt DM, the triage card, both App Homes."""
    t = _inquiry(bot)
    dm_with(bot, EMPLOYEE, t.number)
    card(bot, "general_affairs", t.number)
    open_home(bot, EMPLOYEE)
    open_home(bot, GA_AGENT)
    click(bot, GA_AGENT, card(bot, "general_affairs", t.number), TicketAction.CLAIM, GA)
    open_home(bot, GA_AGENT)


def hold_and_answer(bot: Any) -> None:
    """The desk's question and the requester's answer: DMs, the card's thread, the answer modal."""
    t = _inquiry(bot, "会議室の予約", "来週の会議室")
    click(bot, GA_AGENT, card(bot, "general_affairs", t.number), TicketAction.HOLD, GA)
    fill_modal(bot, GA_AGENT, text_block(TicketBlock.QUESTION, PAYLOAD))
    question = dm_with(bot, EMPLOYEE, t.number + " について")
    click(bot, EMPLOYEE, question, TicketAction.ANSWER, bot.slack.dm_channel(EMPLOYEE))
    fill_modal(bot, EMPLOYEE, text_block(TicketBlock.ANSWER, PAYLOAD))


def resolve_and_reroute(bot: Any) -> None:
    """The resolution note (requester DM, card) and a re-route reason (old card, requester notice)."""
    t = _inquiry(bot, "会議室の予約", "来週の会議室")
    click(bot, GA_AGENT, card(bot, "general_affairs", t.number), TicketAction.RESOLVE, GA)
    fill_modal(bot, GA_AGENT, text_block(TicketBlock.NOTE, PAYLOAD))
    other = _inquiry(bot, "備品", "椅子が壊れました")
    click(bot, GA_AGENT, card(bot, "general_affairs", other.number), TicketAction.REROUTE, GA)
    fill_modal(bot, GA_AGENT, {TicketBlock.DEPARTMENT: ("static_select", "it"),
                               TicketBlock.REASON: ("plain_text_input", PAYLOAD)})


def message_shortcut(bot: Any) -> None:
    """An inquiry from a message shortcut: the form is pre-filled (plain text), then the ticket."""
    message = bot.slack.user_says("CGENERALCHAT", EMPLOYEE, PAYLOAD)
    reply = bot.requester.message_shortcut(callback_id=IntakeShortcut.INQUIRY_FROM_MESSAGE, user_id=EMPLOYEE,
                                           channel_id="CGENERALCHAT", message=message)
    assert reply.status == 200
    assert PAYLOAD in shown_as_plain(bot)  # the pre-filled input shows it exactly as typed
    submit_form(bot, EMPLOYEE, "inquiry", {"subject": PAYLOAD, "details": PAYLOAD, "department": "it"})
    card(bot, "it", "IT-0001")


def ticket_reaction(bot: Any) -> None:
    """🎫 in a help channel: the ticket, the reply in the thread, the receipt."""
    question = bot.slack.user_says(HELP_CHANNEL, EMPLOYEE, PAYLOAD)
    reaction = {"type": "reaction_added", "user": GA_AGENT, "reaction": "ticket", "item_user": EMPLOYEE,
                "item": {"type": "message", "channel": HELP_CHANNEL, "ts": question["ts"]}, "event_ts": "1.0"}
    assert bot.requester.event(reaction).status == 200
    bot.deliver()


def faq_escalation(bot: Any) -> None:
    """A question the FAQ cannot answer, escalated: the pre-filled form, the ticket it becomes."""
    answer = ask_by_dm(bot, EMPLOYEE, PAYLOAD)
    click_faq(bot, EMPLOYEE, bot.slack.dm_channel(EMPLOYEE), answer, "faq_escalate")
    # (a mention of someone is taken out of a question, as a mention of the bot is: the rest is as typed)
    assert any("<!channel> <!here>" in text and "|https://sso" in text for text in shown_as_plain(bot))
    assert submit_as_shown(bot, EMPLOYEE).status == 200


def reminders_and_digest(bot: Any, clock: Any) -> None:
    """The overdue ping in the triage channel, the hold reminder, the weekly digest."""
    _inquiry(bot, PAYLOAD, "来週の会議室")
    held = _inquiry(bot, PAYLOAD, "備品")
    click(bot, GA_AGENT, card(bot, "general_affairs", held.number), TicketAction.HOLD, GA)
    fill_modal(bot, GA_AGENT, text_block(TicketBlock.QUESTION, "何脚ですか"))
    ask_by_dm(bot, EMPLOYEE, PAYLOAD)
    clock.set(datetime(2026, 12, 9, 15, 0, tzinfo=TOKYO))
    run_reminders(bot.services)
    bot.deliver()
    clock.set(datetime(2026, 12, 14, 9, 0, tzinfo=TOKYO))
    post_if_due(bot.services)
    bot.deliver()


def send_back(bot: Any) -> None:
    """The approver's DM with the form's values, the 差戻し reason back to the requester."""
    expense(bot)
    click_dm(bot, MANAGER, approval_message(bot, MANAGER), SEND_BACK)
    give_reason(bot, MANAGER, PAYLOAD, ["purpose"])


def reject(bot: Any) -> None:
    expense(bot)
    click_dm(bot, MANAGER, approval_message(bot, MANAGER), "approval_details")
    click_dm(bot, MANAGER, approval_message(bot, MANAGER), REJECT)
    give_reason(bot, MANAGER, PAYLOAD)
    open_home(bot, EMPLOYEE)


def expense(bot: Any) -> None:
    spent = datetime.now(TOKYO).date().isoformat()
    request(bot, EMPLOYEE, "expense", {"category": "transport", "amount": 1200, "spent_on": spent,
                                       "purpose": PAYLOAD})


Path = Callable[..., None]
DESK_PATHS: list[Path] = [request_form, hold_and_answer, resolve_and_reroute, message_shortcut, ticket_reaction,
                          faq_escalation]
APPROVAL_PATHS: list[Path] = [send_back, reject]


@pytest.mark.parametrize("path", DESK_PATHS, ids=lambda p: p.__name__)
def test_user_text_reaches_the_desk_escaped(desk, path):
    path(desk)
    assert_escaped_everywhere(desk)


def test_user_text_in_reminders_and_the_digest_is_escaped(desk, clock):
    reminders_and_digest(desk, clock)
    assert_escaped_everywhere(desk)


@pytest.mark.parametrize("path", APPROVAL_PATHS, ids=lambda p: p.__name__)
def test_user_text_reaches_approvers_and_back_escaped(bot, path):
    path(bot)
    assert_escaped_everywhere(bot)


def test_the_bots_own_mentions_still_work(desk):
    t = _inquiry(desk, PAYLOAD, PAYLOAD)
    click(desk, GA_AGENT, card(desk, "general_affairs", t.number), TicketAction.CLAIM, GA)
    shown = " ".join(text for _, text in shown_as_mrkdwn(desk))
    assert f"<@{EMPLOYEE}>" in shown and f"<@{GA_AGENT}>" in shown
