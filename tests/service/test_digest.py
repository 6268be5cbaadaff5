"""The weekly digest: a known week (seeded in digest_fixtures.py), its numbers computed by hand below, and
the digest posted exactly once (message + chart) when two schedulers tick the same Monday 09:00 — and
when the chart upload fails.

The week is Monday 2026-11-23 (勤労感謝の日: no business hours) to Sunday 11-29, posted Monday 11-30
09:00 JST; the week before is 11-16..11-22. Office hours 09:00–18:00 (9 business hours a day)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.digest.jobs import weekly_digest
from bot.digest.numbers import compute
from bot.digest.post import FILES_UPLOAD, post_if_due
from bot.scheduler import Scheduler
from tests.harness import start_bot
from tests.service.approvals_fixtures import approval_config
from tests.service.digest_fixtures import POSTED_AT, seed
from tests.service.reminders_fixtures import jst


@pytest.fixture
def bot(clean_engine):
    running = start_bot(clean_engine, config=approval_config(), clock=ManualClock(POSTED_AT))
    try:
        with running.services.session_factory() as session, session.begin():
            seed(session)
        yield running
    finally:
        running.stop()


def test_the_seeded_weeks_numbers(bot):
    services = bot.services
    with services.session_factory() as session:
        d = compute(session, services.config, services.calendar, POSTED_AT)
    assert (str(d.week_start), str(d.week_end)) == ("2026-11-23", "2026-11-29")
    finance = next(x for x in d.departments if x.key == "finance")
    this, last = finance.this, finance.last
    assert (this.new, this.resolved, this.backlog) == (4, 2, 3)  # open at the end: t3, t4, last week's second
    assert (this.first_response.n, this.first_response.median, this.first_response.p90) == (3, 2.0, 6.0)
    assert (this.resolution.n, this.resolution.median, this.resolution.p90) == (2, 12.0, 15.0)
    assert (last.new, last.resolved, last.backlog) == (2, 1, 1)
    assert (last.first_response.median, last.first_response.p90) == (2.5, 4.0)
    hr = next(x for x in d.departments if x.key == "hr")
    assert (hr.this.new, hr.this.resolved, hr.this.backlog) == (1, 0, 0)
    assert (d.total.this.new, d.total.this.resolved, d.total.this.backlog) == (5, 2, 3)

    a = d.approvals
    assert (a.decided, a.approved, a.sent_back, a.rejected) == (3, 1, 1, 1)
    assert a.send_back_rate == pytest.approx(1 / 3) and a.rejection_rate == pytest.approx(1 / 3)
    assert (a.lead_time.median, a.lead_time.p90) == (4.0, 11.0)
    assert a.sla_breaches == 2
    assert d.approvals_last.decided == 0
    (stalled,) = d.stalled
    assert (stalled.approvers, stalled.waiting_hours) == (["UMANAGER1"], 17.0)  # Thu 8h + Fri 9h

    assert (d.faq.asked, d.faq.helped, d.faq.escalated, d.faq.self_resolution_rate) == (4, 2, 1, 0.5)
    # asked twice by one person: not listed (fewer than 3 different askers), only counted as withheld
    assert (d.top_unanswered, d.unanswered_withheld) == ([], 2)
    assert (d.evidence.required, d.evidence.missing, d.evidence.rate) == (2, 1, 0.5)
    assert (d.satisfaction.n, d.satisfaction.mean) == (2, 4.0)
    assert (d.satisfaction_last.n, d.satisfaction_last.mean) == (1, 4.0)
    assert [w.new for w in d.weeks][-2:] == [2, 5] and [w.backlog for w in d.weeks][-2:] == [1, 3]


def test_two_schedulers_post_the_digest_once_with_its_chart(bot):
    replicas = [Scheduler(bot.services, jobs=[weekly_digest]) for _ in range(2)]
    outcomes = [r.tick(POSTED_AT) for r in replicas]  # the same 5-minute check slot: one replica checks
    # Next slot: whoever checks finds the week claimed.
    later = [r.run_if_due(weekly_digest, jst(2026, 11, 30, 9, 5)) for r in replicas]
    assert [x.outcome for x in later if x is not None and x.won] == ["2026-W49: already posted"]
    bot.deliver()

    messages = bot.slack.messages("CDIGEST01")
    posts = [m for m in messages if "週次ダイジェスト" in m.get("text", "")]
    assert len(posts) == 1, (outcomes, later)
    assert "新規 5 件" in posts[0]["text"]
    blocks = posts[0]["blocks"]
    assert len(blocks) <= 50 and all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
    (chart,) = bot.slack.files()
    assert chart.filename == "digest-2026-W49.png" and chart.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert next(m for m in messages if m.get("subtype") == "file_share")["files"][0]["id"] == chart.id
    assert len(bot.slack.calls("files.completeUploadExternal")) == 1


def test_the_departments_are_one_table_with_the_change_from_last_week_and_the_median_times(bot):
    post_if_due(bot.services, POSTED_AT)
    bot.deliver()

    (post,) = [m for m in bot.slack.messages("CDIGEST01") if "週次ダイジェスト" in m.get("text", "")]
    (table,) = [b for b in post["blocks"] if b["type"] == "table"]
    shown = [[cell["text"] if cell["type"] == "raw_text" else cell["elements"][0]["elements"][0]["text"]
              for cell in row] for row in table["rows"]]
    names = {d.key: d.name.get("ja") for d in bot.services.config.departments}
    assert shown[0] == ["部門", "新規", "解決", "未処理", "初回応答（中央値）", "解決まで（中央値）"]
    assert [row[0] for row in shown[1:]] == list(names.values())  # every department, in the config's order
    rows = dict(zip(names, shown[1:], strict=True))
    assert rows["finance"][1:] == ["4 (+2)", "2 (+1)", "3 (+2)", "2.0h", "12.0h"]
    assert rows["hr"][1:4] == ["1 (+1)", "0 (±0)", "0 (±0)"]
    assert [s.get("align") for s in table["column_settings"]] == ["left"] + ["right"] * 5
    # The whole company stays a sentence with its spreads; the per-department sentences are gone.
    sections = [b["text"]["text"] for b in post["blocks"] if b["type"] == "section"]
    assert sections[0].startswith("*全体*\n新規 5 (+3)")
    assert not any(s.startswith(f"*{names['finance']}*") for s in sections)


def test_the_week_is_claimed_so_a_second_replica_with_its_own_slot_does_not_post_again(bot):
    first = post_if_due(bot.services, POSTED_AT, identity="replica-a")
    second = post_if_due(bot.services, jst(2026, 11, 30, 9, 1), identity="replica-b")
    too_late = post_if_due(bot.services, jst(2026, 12, 1, 9, 0), identity="replica-c")  # Tuesday: past its grace
    bot.deliver()
    assert (first, second, too_late) == ("2026-W49: posted to CDIGEST01", "2026-W49: already posted",
                                         "2026-W49: past its grace, not posted")
    assert len([m for m in bot.slack.messages("CDIGEST01") if "週次ダイジェスト" in m.get("text", "")]) == 1


# -- the chart upload failing ------------------------------------------------------------------------


def deliver_with_retries(bot, rounds: int = 12) -> None:
    """Deliver, then let the (test-short) backoff pass, as the dispatcher's loop would."""
    for _ in range(rounds):
        bot.deliver()
        bot.services.clock.advance(timedelta(seconds=5))


def digest_posts(bot) -> list[dict]:
    return [m for m in bot.slack.messages("CDIGEST01") if "週次ダイジェスト" in m.get("text", "")]


def chart_shares(bot) -> list[dict]:
    return [m for m in bot.slack.messages("CDIGEST01") if m.get("subtype") == "file_share"]


def outbox_rows(bot, method: str) -> list[tuple[str, int]]:
    return [(m.status, m.attempts) for m in bot.outbox() if m.method == method]


def admin_alerts(bot) -> list[dict]:
    return [m for admin in bot.config.admin_slack_ids()
            for m in bot.slack.messages(bot.slack.dm_channel(admin)) if "files.upload_v2" in m.get("text", "")]


@pytest.mark.parametrize("step", ["files.getUploadURLExternal", "upload_url", "files.completeUploadExternal"])
def test_a_chart_upload_failing_once_is_retried_and_the_digest_text_is_posted_once(bot, step):
    bot.slack.fail(step, "server_error")  # one 500 at this step of files_upload_v2

    assert post_if_due(bot.services, POSTED_AT) == "2026-W49: posted to CDIGEST01"
    deliver_with_retries(bot)

    assert len(digest_posts(bot)) == 1
    assert len(chart_shares(bot)) == 1
    assert outbox_rows(bot, "chat.postMessage")[:1] == [("sent", 1)]
    assert outbox_rows(bot, FILES_UPLOAD) == [("sent", 2)]
    assert admin_alerts(bot) == []


def test_a_chart_upload_that_keeps_failing_is_dead_lettered_the_text_stays_posted_once(bot):
    bot.slack.fail("files.completeUploadExternal", "server_error", times=50)

    post_if_due(bot.services, POSTED_AT)
    deliver_with_retries(bot)
    # The next checks of the week find it claimed: nothing is posted or uploaded again.
    assert post_if_due(bot.services, jst(2026, 11, 30, 9, 5)) == "2026-W49: already posted"
    deliver_with_retries(bot, rounds=2)

    assert len(digest_posts(bot)) == 1
    assert chart_shares(bot) == []
    assert outbox_rows(bot, FILES_UPLOAD) == [("dead", 8)]
    (alert,) = admin_alerts(bot)
    assert "500" in alert["text"], alert["text"]


def test_a_chart_upload_refused_for_good_is_not_retried(bot):
    bot.slack.fail("files.completeUploadExternal", "ok_false", error="not_in_channel")

    post_if_due(bot.services, POSTED_AT)
    deliver_with_retries(bot)

    assert len(digest_posts(bot)) == 1
    assert outbox_rows(bot, FILES_UPLOAD) == [("dead", 1)]
    (alert,) = admin_alerts(bot)
    assert "not_in_channel" in alert["text"]
