"""`madoguchi jobs run NAME [--at ISO]` and `madoguchi jobs list` as an operator runs them: a periodic job
runs once, now, under the scheduler's exactly-once claim (a second run for the same slot posts nothing),
saying in one line what it did; an unknown name, a bad --at or a dead database is one line and a
non-zero exit."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.jobs import JOBS
from models import JobRun
from tests.service.approvals_fixtures import MANAGER, approval_bot_fixture  # noqa: F401 - the `bot` fixture
from tests.service.reminders_fixtures import dms, submit

# The approval fixtures' expense, submitted Tuesday 2026-11-24 10:00 JST, is due at 18:00: its approver's
# first reminder is due when the office opens on Wednesday.
WEDNESDAY_0905 = "2026-11-25T09:05:00+09:00"


def madoguchi(bot, *args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "MADOGUCHI_"))}
    env = {**base, "SLACK_BOT_TOKEN": bot.services.settings.bot_token(), "SLACK_SIGNING_SECRET": "cli",
           "SLACK_API_URL": bot.slack.url,
           "DATABASE_URL": bot.services.engine.url.render_as_string(hide_password=False), **env}
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def stdout_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    return lines[0]


def error_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    return lines[0]


def reminders_to_manager(bot) -> list[dict]:
    return dms(bot, MANAGER, "期限を過ぎています")


def test_running_the_reminder_sweep_twice_for_one_slot_reminds_once(bot):
    submit(bot.services, amount=30_000)
    bot.deliver()

    first = stdout_line(madoguchi(bot, "jobs", "run", "reminders", "--at", WEDNESDAY_0905))
    again = stdout_line(madoguchi(bot, "jobs", "run", "reminders", "--at", "2026-11-25T09:07:00+09:00"))

    assert first.startswith("reminders 2026-11-25T00:05Z: ran: 1 steps reminded in 1 DMs"), first
    assert first.endswith("; outbox: 1 delivered to Slack"), first  # the DM (she never opened App Home)
    assert again.startswith("reminders 2026-11-25T00:05Z: already run"), again
    assert "nothing done" in again and "1 steps reminded" in again, again
    assert len(reminders_to_manager(bot)) == 1
    with bot.services.session_factory() as session:
        assert session.scalars(select(JobRun.slot).where(JobRun.job == "reminders")).all() == ["2026-11-25T00:05Z"]


def test_the_next_slot_runs_again(bot):
    submit(bot.services, amount=30_000)
    bot.deliver()
    stdout_line(madoguchi(bot, "jobs", "run", "reminders", "--at", WEDNESDAY_0905))

    later = stdout_line(madoguchi(bot, "jobs", "run", "reminders", "--at", "2026-11-25T09:10:00+09:00"))

    assert later.startswith("reminders 2026-11-25T00:10Z: ran: 0 steps reminded"), later  # spacing: not yet
    assert len(reminders_to_manager(bot)) == 1


@pytest.mark.parametrize("job", [job.name for job in JOBS])
def test_every_job_can_be_run_once_by_name(bot, job):
    line = stdout_line(madoguchi(bot, "jobs", "run", job, "--at", "2026-11-30T09:00:00+09:00"))

    assert line.startswith(f"{job} "), line
    assert ": ran: " in line, line
    with bot.services.session_factory() as session:
        run = session.scalars(select(JobRun).where(JobRun.job == job)).one()
    assert run.finished_at is not None and run.outcome and run.outcome in line


def test_a_naive_at_is_read_in_the_company_time_zone(bot):
    line = stdout_line(madoguchi(bot, "jobs", "run", "reminders", "--at", "2026-11-25T09:05"))

    assert line.startswith("reminders 2026-11-25T00:05Z: "), line


def test_jobs_list_names_every_job_its_schedule_and_last_run(bot):
    stdout_line(madoguchi(bot, "jobs", "run", "prune-job-runs", "--at", "2026-11-30T09:00:00+09:00"))

    listed = madoguchi(bot, "jobs", "list")
    as_json = json.loads(madoguchi(bot, "jobs", "list", "--json").stdout)

    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    for job in JOBS:
        assert any(line.split()[:1] == [job.name] for line in lines), listed.stdout
    (prune,) = [line for line in lines if line.startswith("prune-job-runs ")]
    assert "daily 04:10 Asia/Tokyo" in prune and "2026-11-30" in prune, prune
    (sweep,) = [line for line in lines if line.startswith("reminders ")]
    assert "every 5 minutes" in sweep and "never run" in sweep, sweep
    assert [j["name"] for j in as_json] == [job.name for job in JOBS]
    assert next(j for j in as_json if j["name"] == "prune-job-runs")["last_run"]["slot"] == "2026-11-30"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["run", "remindres"], "no job 'remindres'"),
        (["run", "reminders", "--at", "tomorrow"], "--at 'tomorrow'"),
        (["run", "reminders", "--at", "2026-13-01T09:00"], "--at '2026-13-01T09:00'"),
        (["run", "reminders", "--at", "2999-01-01T09:00:00+09:00"], "in the future"),
    ],
    ids=["unknown-job", "not-a-date", "no-such-month", "future"],
)
def test_bad_input_is_one_line_and_a_non_zero_exit(bot, args, says):
    line = error_line(madoguchi(bot, "jobs", *args))

    assert line.startswith("madoguchi jobs: "), line
    assert says in line, line
    with bot.services.session_factory() as session:
        assert session.scalars(select(JobRun)).all() == []


def test_an_unknown_job_name_lists_the_known_ones(bot):
    line = error_line(madoguchi(bot, "jobs", "run", "digest"))

    assert all(job.name in line for job in JOBS), line


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("argv", [("run", "reminders"), ("list",)], ids=" ".join)
@pytest.mark.parametrize("down", ["postgresql-refused", "sqlite-unopenable"])
def test_a_dead_database_is_one_line(bot, tmp_path: Path, argv, down):
    url = (f"postgresql://postgres@127.0.0.1:{closed_port()}/madoguchi" if down == "postgresql-refused"
           else f"sqlite:///{tmp_path}/no-such-folder/madoguchi.db")

    done = madoguchi(bot, "jobs", *argv, DATABASE_URL=url)

    assert done.returncode == 2
    line = error_line(done)
    assert line.startswith("madoguchi: the database at "), line
    assert "not reachable" in line or "cannot be opened" in line, line


@pytest.mark.parametrize(("token", "says"), [("", "SLACK_BOT_TOKEN is not set"),
                                             ("xoxb-revoked", "Slack rejected SLACK_BOT_TOKEN (invalid_auth)")],
                         ids=["no-token", "rejected-token"])
def test_without_a_token_slack_accepts_nothing_runs(bot, token, says):
    submit(bot.services, amount=30_000)
    bot.deliver()

    line = error_line(madoguchi(bot, "jobs", "run", "reminders", "--at", WEDNESDAY_0905, SLACK_BOT_TOKEN=token))

    assert line.startswith("madoguchi: ") and says in line, line
    assert reminders_to_manager(bot) == []
    with bot.services.session_factory() as session:
        assert session.scalars(select(JobRun)).all() == []
