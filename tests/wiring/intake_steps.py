"""What people do with requests in Slack — open a form, fill it, click the card — as steps a scenario
reads like. Fixtures here are imported by the intake test modules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from bot.clock import ManualClock
from bot.config import WorkspaceConfig, load_workspace
from bot.fakeslack.state_values import state_value
from bot.forms import block_id
from bot.settings import BUNDLED_CONFIG
from bot.slack_ids import IntakeAction, TicketBlock
from models import AuditEvent, Ticket

EMPLOYEE = "UEMPLOYEE1"  # 山田 花子 (ja), manager 佐藤 健
EMPLOYEE_EN = "UEMPLOYEE2"  # Alex Smith (en)
MANAGER = "UMANAGER1"
FIN_AGENT, FIN_LEAD = "UFINAGENT", "UFINLEAD1"
HR_AGENT, GA_AGENT, LEGAL_AGENT, IT_AGENT = "UHRAGENT1", "UGAAGENT1", "ULEGAL001", "UITAGENT1"
ADMIN = "UADMIN001"
TRIAGE = {"finance": "CFINANCE", "hr": "CHR", "general_affairs": "CGENERAL", "legal": "CLEGAL", "it": "CIT"}
HELP_CHANNEL = "CHELPDESK"

ELEMENT = {
    "text": "plain_text_input", "textarea": "plain_text_input", "number": "number_input", "amount": "plain_text_input",
    "date": "datepicker", "user": "users_select", "select": "static_select", "department": "static_select",
    "multiselect": "multi_static_select", "checkboxes": "checkboxes", "url": "url_text_input",
    "email": "email_text_input", "invoice_number": "plain_text_input", "file": "file_input",
}


def without_approvals(config: WorkspaceConfig) -> WorkspaceConfig:
    """The bundled catalog with no approval rules: requests go straight to their desk."""
    types = [rt.model_copy(update={"approval": []}) for rt in config.request_types]
    return config.model_copy(update={"request_types": types})


@pytest.fixture(name="desk")
def desk_fixture(clean_engine: Engine) -> Iterator[Any]:
    """The real app over HTTP with the bundled config minus approval rules (the triage desk's view)."""
    from tests.harness import start_bot

    running = start_bot(clean_engine, config=without_approvals(load_workspace(BUNDLED_CONFIG)))
    try:
        yield running
    finally:
        running.stop()


MONDAY_10 = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # no holiday that week; 09:00-18:00


@pytest.fixture(name="clock")
def clock_fixture() -> ManualClock:
    return ManualClock(MONDAY_10)


@pytest.fixture(name="desk")
def clocked_desk_fixture(clean_engine: Engine, clock: ManualClock) -> Iterator[Any]:
    """The `desk` under a clock the test moves (import this one instead of desk_fixture, with clock_fixture)."""
    from tests.harness import start_bot

    running = start_bot(clean_engine, config=without_approvals(load_workspace(BUNDLED_CONFIG)), clock=clock)
    try:
        yield running
    finally:
        running.stop()


def open_home(bot: Any, user: str) -> str:
    """The user opens the bot's Home tab; everything it shows."""
    bot.requester.event({"type": "app_home_opened", "user": user, "channel": bot.slack.dm_channel(user),
                         "tab": "home", "event_ts": "1.0"})
    bot.deliver()
    return everything(bot.slack.home_view(user) or {})


# -- forms -------------------------------------------------------------------------------------------
def modal(bot: Any, user: str) -> dict[str, Any]:
    stack = bot.slack.modal_stack(user)
    assert stack, f"{user} has no open modal"
    return stack[-1]


def open_picker(bot: Any, user: str) -> dict[str, Any]:
    reply = bot.command(user, "")
    assert reply.status == 200, reply
    return modal(bot, user)


def pick(bot: Any, user: str, type_key: str) -> dict[str, Any]:
    picker = modal(bot, user)
    reply = bot.requester.block_action(user_id=user, action_id=IntakeAction.PICK_TYPE, value=type_key,
                                       block_id=f"pick:{type_key}", view=picker)
    assert reply.status == 200, reply
    return bot.slack.view(picker["id"])


def form_values(bot: Any, type_key: str, values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    rt = bot.config.request_type(type_key)
    state: dict[str, dict[str, Any]] = {}
    for f in rt.fields:
        value = values.get(f.key)
        if f.type in ("number", "amount") and value is not None:
            value = str(value)
        state[block_id(f.key)] = {IntakeAction.FIELD: state_value(ELEMENT[f.type], value)}
    return state


def submit_form(bot: Any, user: str, type_key: str, values: dict[str, Any], view: dict[str, Any] | None = None,
                ) -> Any:
    view = view or modal(bot, user)
    reply = bot.requester.view_submission(user_id=user, view=view, values=form_values(bot, type_key, values))
    bot.deliver()
    return reply


def request(bot: Any, user: str, type_key: str, values: dict[str, Any]) -> Ticket:
    """The whole way through: /helpdesk → pick the type → fill → submit; the new ticket."""
    open_picker(bot, user)
    pick(bot, user, type_key)
    reply = submit_form(bot, user, type_key, values)
    assert reply.status == 200 and reply.body.get("response_action") == "update", reply.body
    return latest_ticket(bot, type_key)


# -- what landed where -------------------------------------------------------------------------------
def latest_ticket(bot: Any, type_key: str | None = None) -> Ticket:
    with bot.services.session_factory() as session:
        query = select(Ticket).order_by(Ticket.id.desc()).limit(1)
        if type_key:
            query = query.where(Ticket.request_type == type_key)
        ticket = session.scalar(query)
        assert ticket is not None, "no ticket was created"
        return ticket


def ticket(bot: Any, ticket_id: int) -> Ticket:
    with bot.services.session_factory() as session:
        found = session.get(Ticket, ticket_id)
        assert found is not None
        return found


def tickets(bot: Any) -> list[Ticket]:
    with bot.services.session_factory() as session:
        return list(session.scalars(select(Ticket).order_by(Ticket.id)))


def audit_actions(bot: Any, ticket_id: int) -> list[str]:
    with bot.services.session_factory() as session:
        return list(session.scalars(select(AuditEvent.action).where(AuditEvent.ticket_id == ticket_id)
                                    .order_by(AuditEvent.id)))


def card(bot: Any, department: str, number: str) -> dict[str, Any]:
    """The ticket's card in the department's triage channel (top-level messages only)."""
    found = [m for m in bot.slack.messages(TRIAGE[department])
             if number in m.get("text", "") and m.get("thread_ts", m["ts"]) == m["ts"]]
    texts = [m.get("text") for m in bot.slack.messages(TRIAGE[department])]
    assert found, f"no card for {number} in {department}: {texts}"
    return found[-1]


def thread(bot: Any, channel: str, ts: str) -> list[dict[str, Any]]:
    return [m for m in bot.slack.messages(channel) if m.get("thread_ts") == ts and m.get("ts") != ts]


def dms(bot: Any, user: str) -> list[dict[str, Any]]:
    return bot.slack.messages(bot.slack.dm_channel(user))


def dm_with(bot: Any, user: str, words: str) -> dict[str, Any]:
    found = [m for m in dms(bot, user) if words in everything(m)]
    assert found, f"no DM to {user} with {words!r}: {[m.get('text') for m in dms(bot, user)]}"
    return found[-1]


def everything(message: dict[str, Any]) -> str:
    """A message's text and every text in its blocks, for 'does it say…' checks."""
    return message.get("text", "") + " " + str(message.get("blocks", []))


def buttons(message: dict[str, Any]) -> dict[str, str]:
    return {e["action_id"]: e.get("value", "") for b in message.get("blocks", []) if b["type"] == "actions"
            for e in b["elements"] if e.get("type") == "button"}


def click(bot: Any, user: str, message: dict[str, Any], action: str, channel: str) -> Any:
    value = buttons(message)[action]
    reply = bot.requester.block_action(user_id=user, action_id=action, value=value, channel_id=channel,
                                       message=message)
    bot.deliver()
    return reply


def fill_modal(bot: Any, user: str, values: dict[str, tuple[str, Any]]) -> Any:
    """Submit the modal on top of the user's stack with {block: (element type, value)}."""
    view = modal(bot, user)
    state = {block: {IntakeAction.FIELD: state_value(kind, value)} for block, (kind, value) in values.items()}
    reply = bot.requester.view_submission(user_id=user, view=view, values=state)
    bot.deliver()
    return reply


def text_block(block: TicketBlock, text: str) -> dict[str, tuple[str, Any]]:
    return {block: ("plain_text_input", text)}
