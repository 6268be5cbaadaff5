"""Logs carry ids and outcomes, never content (docs/SECURITY.md), at every level: what people typed — a
confidential consultation, a question asked in a DM, an approver's reason — appears in no log record,
with logging configured as the `madoguchi` command configures it, at DEBUG as at INFO.

Each distinctive string has an ASCII marker too: a library that logs a JSON or form-encoded body would
show Japanese text escaped (\\u7d4c… or %E7%B5…), and only the marker would betray it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.logs import CONTENT_FLOORS, configure
from bot.slack_ids import TicketAction, TicketBlock
from tests.service.approvals_fixtures import EMPLOYEE as APPROVALS_EMPLOYEE
from tests.service.approvals_fixtures import MANAGER
from tests.service.approvals_fixtures import approval_bot_fixture as approval_bot_fixture
from tests.wiring.approvals_steps import REJECT, SEND_BACK, approval_message, click, give_reason, submit_expense
from tests.wiring.intake_steps import EMPLOYEE, LEGAL_AGENT, TRIAGE, card, fill_modal, request, text_block
from tests.wiring.intake_steps import click as desk_click
from tests.wiring.intake_steps import clock_fixture as clock_fixture
from tests.wiring.intake_steps import clocked_desk_fixture as clocked_desk_fixture

CONSULTATION = "QX7consultationDetails 経理部の課長から私的な連絡先を執拗に聞かれています"
WHEN_WHERE = "QX7whenWhere 11月の部署懇親会（新橋）"
AGENT_QUESTION = "QX7agentQuestion 面談の候補日を教えてください"
DM_QUESTION = "QX7dmQuestion 隣の席の人の給与明細を見てしまったのですがどうすれば"
SEND_BACK_REASON = "QX7sendBackReason 領収書の宛名が個人名になっています"
REJECT_REASON = "QX7rejectReason 私的な飲食代は対象外です"
MARKER = "QX7"


class Everything(logging.Handler):
    """Every record that reaches the root, formatted as an operator would read it (traceback included)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def leaks(self, *contents: str) -> list[str]:
        needles = [MARKER, *(c.split(" ", 1)[1] for c in contents)]
        return [line for line in self.lines if any(n in line for n in needles)]


@pytest.fixture(params=["DEBUG", "INFO"])
def logged(request: pytest.FixtureRequest) -> Iterator[Everything]:
    """Logging as `madoguchi` sets it up at LOG_LEVEL=param, restored afterwards."""
    root = logging.getLogger()
    saved_root = (root.handlers[:], root.level)
    names = [*CONTENT_FLOORS, "slack_bolt.App"]
    saved = {name: (logging.getLogger(name).level, logging.getLogger(name).filters[:]) for name in names}
    configure(request.param)
    everything = Everything()
    root.addHandler(everything)
    try:
        yield everything
    finally:
        root.handlers[:], level = saved_root
        root.setLevel(level)
        for name, (lvl, filters) in saved.items():
            logging.getLogger(name).setLevel(lvl)
            logging.getLogger(name).filters[:] = filters


def test_a_confidential_consultation_and_a_dm_question_leave_no_trace_in_the_logs(logged, desk, clock):
    t = request(desk, EMPLOYEE, "compliance", {"category": "sexual", "details": CONSULTATION,
                                                "when_where": WHEN_WHERE, "contact": "meeting"})
    legal = TRIAGE["legal"]
    desk_click(desk, LEGAL_AGENT, card(desk, "legal", t.number), TicketAction.CLAIM, legal)
    desk_click(desk, LEGAL_AGENT, card(desk, "legal", t.number), TicketAction.HOLD, legal)
    fill_modal(desk, LEGAL_AGENT, text_block(TicketBlock.QUESTION, AGENT_QUESTION))
    assert desk.dm(EMPLOYEE, DM_QUESTION).status == 200
    desk.deliver()

    assert logged.lines, "the run was logged at all"
    assert logged.leaks(CONSULTATION, WHEN_WHERE, AGENT_QUESTION, DM_QUESTION) == []


def test_an_approvers_reasons_leave_no_trace_in_the_logs(logged, bot):
    sent_back = submit_expense(bot, APPROVALS_EMPLOYEE, 30_000)
    click(bot, MANAGER, approval_message(bot, MANAGER), SEND_BACK)
    give_reason(bot, MANAGER, SEND_BACK_REASON, ["purpose"])
    submit_expense(bot, APPROVALS_EMPLOYEE, 40_000)
    click(bot, MANAGER, approval_message(bot, MANAGER), REJECT)
    give_reason(bot, MANAGER, REJECT_REASON)

    from tests.wiring.approvals_steps import status_of

    assert status_of(bot, sent_back) == "sent_back"
    assert logged.lines, "the run was logged at all"
    assert logged.leaks(SEND_BACK_REASON, REJECT_REASON) == []


def test_a_database_error_logged_with_its_traceback_shows_no_sql_parameters(logged, clean_engine):
    """An error's text carries the statement's parameters unless the engine hides them: a failed write of
    a ticket would put its title in the log line of whoever logs the exception."""
    from sqlalchemy import insert

    from models import Ticket
    from models.db import make_engine, make_session_factory, transaction

    engine = make_engine(clean_engine.url.render_as_string(hide_password=False))
    try:
        with transaction(make_session_factory(engine)) as session:  # no requester: NOT NULL fails
            session.execute(insert(Ticket).values(number="FIN-9999", department="finance", seq=9999,
                                                  request_type="expense", title=CONSULTATION, fields={},
                                                  requester_id=None, status="submitted"))
    except Exception:
        logging.getLogger("bot.outbox").exception("outbox dispatch failed")
    finally:
        engine.dispose()

    assert any("Traceback" in line and "IntegrityError" in line for line in logged.lines), logged.lines
    assert logged.leaks(CONSULTATION) == []


def test_bolts_warning_about_a_middleware_that_skipped_next_does_not_quote_the_payload(logged):
    from slack_bolt.logger.messages import warning_unhandled_by_global_middleware
    from slack_bolt.request import BoltRequest

    request = BoltRequest(body='{"type": "event_callback", "event": {"type": "message", "text": "'
                               + DM_QUESTION + '"}}', headers={"content-type": ["application/json"]})
    logging.getLogger("slack_bolt.App").warning(warning_unhandled_by_global_middleware("dedupe", request))

    assert any("skipped calling" in line for line in logged.lines), logged.lines
    assert logged.leaks(DM_QUESTION) == []
