"""`madoguchi scheduler` (Procfile `worker`) as a real process, with no web process anywhere: App Home
refreshes left in the outbox — by a reminder sweep, a decision, anything — are rendered and published
with every feature's sections, not dead-lettered for want of a renderer only the web process had."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot import outbox
from bot.fakeslack import BOT_TOKEN, FakeSlackServer, FakeUser
from models import HomeViewer, OutboxMessage, Ticket
from models.db import make_session_factory, transaction

EMPLOYEE, ADMIN = "UEMPLOYEE1", "UADMIN001"
CREATED = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


@pytest.fixture
def worker_env(clean_engine):
    with FakeSlackServer(users=[FakeUser(id=EMPLOYEE, name="yamada", locale="ja-JP"),
                                FakeUser(id=ADMIN, name="admin", locale="ja-JP")]) as slack:
        env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "unused-by-the-worker",
               "SLACK_API_URL": slack.url, "DATABASE_URL": clean_engine.url.render_as_string(hide_password=False)}
        for name in ("SLACK_APP_TOKEN", "MADOGUCHI_CONFIG"):
            env.pop(name, None)
        yield slack, env, make_session_factory(clean_engine)


def test_a_scheduler_only_process_publishes_the_home_refreshes_it_finds(worker_env):
    slack, env, factory = worker_env
    with transaction(factory) as session:
        session.add(Ticket(number="FIN-0042", department="finance", seq=42, request_type="expense",
                           title="出張旅費の精算", fields={}, requester_id=EMPLOYEE, status="in_progress",
                           created_at=CREATED, updated_at=CREATED))
        for user in (EMPLOYEE, ADMIN):  # both have opened their Home before
            session.add(HomeViewer(slack_id=user, first_opened_at=CREATED))
            session.flush()
            outbox.refresh_home(session, user)

    worker = subprocess.Popen([sys.executable, "-m", "bot", "scheduler"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        slack.wait_for("views.publish", count=2, timeout=30)
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=20)
    assert worker.returncode == 0, output

    employee_home = str(slack.home_view(EMPLOYEE))
    assert "FIN-0042" in employee_home  # the desk's "my requests" section was installed
    assert "今週の数字" in str(slack.home_view(ADMIN))  # the digest's admin section too
    with factory() as session:
        refreshes = session.execute(select(OutboxMessage.status, OutboxMessage.last_error)
                                    .where(OutboxMessage.method == outbox.HOME_REFRESH)).all()
    assert refreshes == [("sent", None), ("sent", None)]
