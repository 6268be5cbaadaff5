"""`madoguchi digest` as an admin runs it: --dry-run prints the seeded week (text or --json) and posts
nothing, claims nothing; without --dry-run it posts once, and a second run says it already did."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.fakeslack import BOT_TOKEN, FakeSlackServer
from models import JobRun, OutboxMessage
from models.db import make_session_factory, transaction
from tests.service.digest_fixtures import seed

AT = "2026-11-30T09:00:00+09:00"


@pytest.fixture
def admin(clean_engine):
    """Runs `madoguchi digest …` against the seeded database and a fake Slack."""
    with FakeSlackServer() as slack:
        factory = make_session_factory(clean_engine)
        with transaction(factory) as session:
            seed(session)
        env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "cli",
               "SLACK_API_URL": slack.url, "DATABASE_URL": clean_engine.url.render_as_string(hide_password=False)}
        for name in ("SLACK_APP_TOKEN", "MADOGUCHI_CONFIG"):
            env.pop(name, None)

        def run(*args: str) -> subprocess.CompletedProcess:
            done = subprocess.run([sys.executable, "-m", "bot", "digest", *args], env=env, capture_output=True,
                                  text=True, timeout=120)
            assert done.returncode == 0, done.stderr
            return done

        yield run, slack, factory


def posted(slack) -> list[str]:
    return [c.method for c in slack.calls() if c.method.startswith(("chat.", "files."))]


def left_behind(factory) -> tuple[list, list]:
    with factory() as session:
        return (session.scalars(select(OutboxMessage.method)).all(), session.scalars(select(JobRun.slot)).all())


def test_dry_run_prints_the_week_and_posts_nothing(admin, tmp_path: Path):
    run, slack, factory = admin
    chart = tmp_path / "chart.png"

    out = run("--dry-run", "--at", AT, "--chart", str(chart)).stdout

    assert "週次ダイジェスト" in out and "2026/11/23" in out
    assert "新規 5 (+3) · 解決 2 (+1) · 未処理 3 (+2)" in out  # this week vs last, from the seed
    assert "部門 | 新規 | 解決 | 未処理 | 初回応答（中央値） | 解決まで（中央値）" in out  # the table, row by row
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert posted(slack) == [] and left_behind(factory) == ([], [])


def test_dry_run_json_has_the_numbers_the_text_and_the_blocks(admin):
    run, slack, factory = admin

    out = json.loads(run("--dry-run", "--json", "--at", AT).stdout)

    assert set(out) == {"digest", "text", "blocks"}
    d = out["digest"]
    assert (d["week_start"], d["week_end"]) == ("2026-11-23", "2026-11-29")
    assert (d["total"]["this"]["new"], d["total"]["this"]["resolved"], d["total"]["this"]["backlog"]) == (5, 2, 3)
    finance = next(x for x in d["departments"] if x["key"] == "finance")
    assert finance["this"]["first_response"] == {"n": 3, "median": 2.0, "p90": 6.0}
    assert d["approvals"]["send_back_rate"] == pytest.approx(1 / 3)
    assert d["faq"]["self_resolution_rate"] == 0.5 and d["evidence"]["rate"] == 0.5
    assert [w["new"] for w in d["weeks"]][-2:] == [2, 5] and len(d["weeks"]) == 8
    assert "週次ダイジェスト" in out["text"]
    assert 0 < len(out["blocks"]) <= 50 and all(b["type"] in {"header", "section", "context", "divider", "table"}
                                                 for b in out["blocks"])
    assert posted(slack) == [] and left_behind(factory) == ([], [])


def test_without_dry_run_it_posts_once(admin):
    run, slack, _ = admin

    first = run("--at", AT).stdout.strip()
    second = run("--at", "2026-11-30T09:30:00+09:00").stdout.strip()

    assert (first, second) == ("2026-W49: posted to CDIGEST01", "2026-W49: already posted")
    texts = [m for m in slack.messages("CDIGEST01") if "週次ダイジェスト" in m.get("text", "")]
    assert len(texts) == 1
    assert [m for m in slack.messages("CDIGEST01") if m.get("subtype") == "file_share"] != []


@pytest.mark.parametrize("at", ["next monday", "2026-11-31T09:00"])
def test_a_bad_at_is_one_line_and_posts_nothing(clean_engine, at):
    env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "cli",
           "SLACK_API_URL": "http://127.0.0.1:9/api/",
           "DATABASE_URL": clean_engine.url.render_as_string(hide_password=False)}

    done = subprocess.run([sys.executable, "-m", "bot", "digest", "--at", at], env=env, capture_output=True,
                          text=True, timeout=120)

    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"madoguchi digest: --at {at!r}: not an ISO 8601 date and time; write e.g. 2026-11-25T09:05+09:00 "
        "(without an offset, the company's time zone)"]
