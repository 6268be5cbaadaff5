"""The audit trail (証跡) as an auditor meets it: append-only, tamper-evident, exportable."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot import audit
from bot.cli import main
from models.db import make_session_factory

AT = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo


@pytest.fixture
def trail(clean_engine, monkeypatch):
    """Five events over three days, committed; the CLI reads the same database."""
    monkeypatch.setenv("DATABASE_URL", clean_engine.url.render_as_string(hide_password=False))
    factory = make_session_factory(clean_engine)
    with factory() as session, session.begin():
        audit.record(session, actor="UEMPLOYEE1", action="ticket.submitted", subject="ticket:1", at=AT)
        audit.record(session, actor="UMANAGER1", action="step.approved", subject="step:1", at=AT + timedelta(hours=1),
                     before={"status": "pending"}, after={"status": "approved"})
        audit.record(session, actor="UFINLEAD1", on_behalf_of="UCFO00001", action="step.sent_back",
                     subject="step:2", at=AT + timedelta(days=1), reason="領収書の金額と一致しません")
        audit.record(session, actor="UEMPLOYEE1", action="ticket.resubmitted", subject="ticket:1",
                     at=AT + timedelta(days=1, hours=2), after={"changes": {"amount": {"before": 1, "after": 2}}})
        audit.record(session, actor="UCFO00001", action="step.approved", subject="step:3", at=AT + timedelta(days=2))
    return clean_engine


def verify(capsys):
    code = main(["audit", "verify", "--json"])
    return code, json.loads(capsys.readouterr().out)


def tamper(engine, sql):
    """As a superuser with direct database access would: on PostgreSQL the append-only trigger must
    be switched off first (session_replication_role=replica, superuser only)."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(sql))


def test_an_intact_trail_verifies(trail, capsys):
    assert verify(capsys) == (0, {"ok": True, "first_broken_event": None, "problem": None, "evidence_problems": []})


def test_an_edited_event_is_named_by_verify(trail, capsys):
    tamper(trail, "UPDATE audit_events SET reason = '問題なし' WHERE id = 3")

    code, result = verify(capsys)

    assert code == 1
    assert result["first_broken_event"] == 3
    assert "edited" in result["problem"]


@pytest.mark.parametrize(("sql", "named"), [
    ("DELETE FROM audit_events WHERE id = 2", 3),  # noticed at the next event
    # Clearing the last event's seal to rewrite it: the next seal puts it after a gap where it stood.
    ("UPDATE audit_events SET seq = NULL, prev_hash = NULL, hash = NULL, reason = '承認' WHERE id = 5", 5),
], ids=["deleted", "unsealed-and-edited"])
def test_a_removed_or_resealed_event_is_named_by_verify(trail, capsys, sql, named):
    tamper(trail, sql)

    code, result = verify(capsys)

    assert (code, result["first_broken_event"]) == (1, named)


def test_postgresql_refuses_update_and_delete_on_the_trail(trail):
    if trail.dialect.name != "postgresql":
        pytest.skip("SQLite has no roles: whoever can write the file can rewrite it; the hash chain is the guard")
    for statement in ("UPDATE audit_events SET reason = 'x' WHERE id = 1", "DELETE FROM audit_events WHERE id = 5"):
        with pytest.raises(DBAPIError, match="append-only"), trail.begin() as conn:
            conn.execute(text(statement))
    with trail.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() == 5


def test_postgresql_lets_the_seal_through_once_and_nothing_else(trail):
    if trail.dialect.name != "postgresql":
        pytest.skip("SQLite has no roles: whoever can write the file can rewrite it; the hash chain is the guard")
    with trail.begin() as conn:  # written while the chain head was held: unsealed
        conn.execute(text("INSERT INTO audit_events (subject, actor_id, action, at) "
                          "VALUES ('ticket:2', 'UEMPLOYEE1', 'ticket.submitted', now())"))
    refused = ("UPDATE audit_events SET reason = 'x' WHERE hash IS NULL",  # an unsealed event's content
               "UPDATE audit_events SET seq = 99, prev_hash = 'a', hash = 'b', actor_id = 'U0' WHERE hash IS NULL")
    for statement in refused:
        with pytest.raises(DBAPIError, match="append-only"), trail.begin() as conn:
            conn.execute(text(statement))

    assert audit.seal_everything(make_session_factory(trail)) == 1

    with pytest.raises(DBAPIError, match="append-only"), trail.begin() as conn:  # a second seal
        conn.execute(text("UPDATE audit_events SET hash = 'c' WHERE id = 6"))
    with make_session_factory(trail)() as session:
        assert audit.verify(session) is None


def export(capsys, *args):
    code = main(["audit", "export", *args])
    return code, capsys.readouterr()


def test_csv_export_for_an_auditor(trail, capsys):
    code, out = export(capsys, "--from", "2026-11-25", "--to", "2026-11-26", "--format", "csv")

    assert code == 0
    assert out.out.startswith("\ufeff")  # Excel reads the Japanese correctly
    records = list(csv.DictReader(io.StringIO(out.out.removeprefix("\ufeff"))))
    assert [r["id"] for r in records] == ["3", "4", "5"]
    assert records[0]["actor"] == "鈴木 一郎" and records[0]["on_behalf_of"] == "高橋 誠"
    assert records[0]["reason"] == "領収書の金額と一致しません"
    assert records[0]["at_local"] == "2026-11-25 10:00:00"
    assert json.loads(records[1]["after"]) == {"changes": {"amount": {"after": 2, "before": 1}}}
    assert "3 events exported" in out.err


def test_json_export_says_whether_the_chain_is_intact(trail, capsys):
    code, out = export(capsys, "--from", "2026-11-24", "--to", "2026-11-24", "--format", "json")

    assert code == 0
    document = json.loads(out.out)
    assert (document["chain_intact"], document["timezone"]) == (True, "Asia/Tokyo")
    assert [e["action"] for e in document["events"]] == ["ticket.submitted", "step.approved"]
    assert document["events"][1]["prev_hash"] == document["events"][0]["hash"]


def test_export_rejects_a_backwards_range(trail, capsys):
    code, out = export(capsys, "--from", "2026-11-26", "--to", "2026-11-24")
    assert code == 2 and "before" in out.err
