"""`madoguchi faq stats` as an admin runs it: the self-resolution rate and the questions the FAQ could
not settle, straight from the query log."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bot.faqdesk import asking
from bot.settings import BUNDLED_CONFIG
from models import FaqQuery
from models.db import make_session_factory, transaction


def test_stats_shows_the_self_resolution_rate_and_what_went_unanswered(clean_engine):
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    asked = [("給与明細はどこで見られますか", asking.HELPED), ("VPNに繋がらない", asking.HELPED),
             ("社食のメニュー", asking.NO_ANSWER), ("社食のメニュー", asking.NO_ANSWER),
             ("経費の締め日", asking.NOT_HELPED), ("名刺を作りたい", None)]
    with transaction(make_session_factory(clean_engine)) as session:
        for text, outcome in asked:
            session.add(FaqQuery(user_id="UEMPLOYEE1", text=text, locale="ja", tier="answer", matches=[],
                                 outcome=outcome, asked_at=now - timedelta(hours=1)))
        session.add(FaqQuery(user_id="UEMPLOYEE1", text="先月の質問", locale="ja", tier="none", matches=[],
                             outcome=asking.NO_ANSWER, asked_at=now - timedelta(days=30)))
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-cli", "SLACK_SIGNING_SECRET": "cli",
           "DATABASE_URL": clean_engine.url.render_as_string(hide_password=False),
           "MADOGUCHI_CONFIG": str(BUNDLED_CONFIG)}

    done = subprocess.run([sys.executable, "-m", "bot", "faq", "stats", "--days", "7", "--json"], env=env,
                          capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr
    stats = json.loads(done.stdout)
    assert (stats["asked"], stats["helped"], stats["no_answer"], stats["not_helped"]) == (6, 2, 2, 1)
    assert stats["self_resolution_rate"] == round(2 / 6, 4)
    assert stats["top_unanswered"][0] == {"text": "社食のメニュー", "count": 2}
    assert {"text": "経費の締め日", "count": 1} in stats["top_unanswered"]
    assert "先月の質問" not in done.stdout


def test_on_a_fresh_database_the_faq_commands_say_what_to_do(tmp_path):
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-cli", "SLACK_SIGNING_SECRET": "cli",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}", "MADOGUCHI_CONFIG": str(BUNDLED_CONFIG)}

    done = subprocess.run([sys.executable, "-m", "bot", "faq", "ask", "VPNに繋がらない"], env=env,
                          capture_output=True, text=True, timeout=120)

    assert done.returncode == 2
    assert "madoguchi db upgrade" in done.stderr and "Traceback" not in done.stderr


def test_export_before_the_bot_ever_started_writes_the_default_kb(clean_engine, tmp_path):
    """The README's first FAQ step on a new install: export the bundled KB to edit it (not an empty file)."""
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-cli", "SLACK_SIGNING_SECRET": "cli",
           "DATABASE_URL": clean_engine.url.render_as_string(hide_password=False),
           "MADOGUCHI_CONFIG": str(BUNDLED_CONFIG)}
    out = tmp_path / "kb.yaml"

    done = subprocess.run([sys.executable, "-m", "bot", "faq", "export", str(out)], env=env, capture_output=True,
                          text=True, timeout=120)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{out}: 67 entries"
    assert "hr-paid-leave-balance" in out.read_text(encoding="utf-8")
