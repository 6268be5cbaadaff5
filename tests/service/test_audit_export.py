"""`madoguchi audit export` over real ticket and approval events, as an auditor would check it.

The export is taken through the CLI entry, then the hash chain is recomputed from the exported
rows alone (the canonical form documented in bot/audit.py, re-implemented here on purpose) and
compared with what `audit verify` and the database say."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import audit
from bot.approvals import decide as decisions
from bot.approvals import flow
from bot.cli import main
from models import ApprovalStep, AuditEvent
from tests.harness import start_bot
from tests.service.approvals_fixtures import FIN_LEAD, MANAGER, START, approval_config, clock, new_ticket


@pytest.fixture
def app(clean_engine, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", clean_engine.url.render_as_string(hide_password=False))
    running = start_bot(clean_engine, config=approval_config(), clock=clock())
    try:
        yield running
    finally:
        running.stop()


def _pending(services, ticket_id):
    with services.session_factory() as session:
        return session.scalar(select(ApprovalStep).where(ApprovalStep.ticket_id == ticket_id,
                                                         ApprovalStep.status == "pending"))


@pytest.fixture
def trail(app):
    """A day before (outside the range), then on 2026-11-24 (Tokyo) a ticket submitted for approval,
    approved by the manager and sent back by the finance lead, then a day after (outside)."""
    services = app.services
    with services.session_factory() as session, session.begin():
        audit.record(session, actor="system", action="config.loaded", subject="config", at=START - timedelta(days=1))
        ticket = new_ticket(session, amount=300_000)
        ticket_id, number = ticket.id, ticket.number
        assert flow.start_approval(session, services, ticket, ticket.requester_id)
    for actor, outcome, reason in ((MANAGER, "approved", None), (FIN_LEAD, "sent_back", "領収書の金額と一致しません")):
        step = _pending(services, ticket_id)
        with services.session_factory() as session, session.begin():
            decisions.decide(session, services, step_id=step.id, version=step.version, actor=actor,
                             outcome=outcome, reason=reason)
    with services.session_factory() as session, session.begin():
        audit.record(session, actor="system", action="config.loaded", subject="config", at=START + timedelta(days=2))
    with services.session_factory() as session:
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        session.expunge_all()
    return ticket_id, number, events


def _export(capsys, fmt):
    code = main(["audit", "export", "--from", "2026-11-24", "--to", "2026-11-24", "--format", fmt])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    if fmt == "csv":
        assert captured.out.startswith("\ufeff")
        return list(csv.DictReader(io.StringIO(captured.out.removeprefix("\ufeff")))), None, captured.err
    document = json.loads(captured.out)
    return document["events"], document, captured.err


def _json_or_none(value):
    if value in (None, ""):
        return None
    return json.loads(value) if isinstance(value, str) else value


def recomputed_hash(row) -> str:
    """The event's hash from its exported row alone; an empty cell stands for 'none'."""
    body = {
        "id": int(row["id"]),
        "ticket_id": int(row["ticket_id"]) if row["ticket_id"] not in (None, "") else None,
        "subject": row["subject"],
        "actor_id": row["actor_id"],
        "on_behalf_of": row["on_behalf_of_id"] or None,
        "action": row["action"],
        "before": _json_or_none(row["before"]),
        "after": _json_or_none(row["after"]),
        "reason": row["reason"] or None,
        "at": row["at"],
        "prev_hash": row["prev_hash"],
    }
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_export_with_ticket_and_approval_events_agrees_with_the_hash_chain(trail, capsys, fmt):
    ticket_id, number, events = trail
    in_range = [e for e in events if e.action != "config.loaded"]
    assert {e.ticket_id for e in in_range} == {ticket_id}
    assert {"step.approved", "step.sent_back"} <= {e.action for e in in_range}

    rows, document, err = _export(capsys, fmt)

    # every event of the day, once, in chain order, nothing from outside the range
    assert [int(r["id"]) for r in rows] == [e.id for e in in_range]
    assert f"{len(in_range)} events exported" in err
    assert {(r["ticket"], int(r["ticket_id"])) for r in rows} == {(number, ticket_id)}
    sent_back = next(r for r in rows if r["action"] == "step.sent_back")
    assert (sent_back["actor_id"], sent_back["reason"]) == (FIN_LEAD, "領収書の金額と一致しません")
    # the chain, recomputed from the exported rows alone, matches the stored hashes …
    stored = {e.id: e for e in events}
    for row in rows:
        assert row["hash"] == stored[int(row["id"])].hash
        assert row["prev_hash"] == stored[int(row["id"])].prev_hash
        assert recomputed_hash(row) == row["hash"], row["id"]
    # … links up inside the range, and to the event before it
    for earlier, later in itertools.pairwise(rows):
        assert later["prev_hash"] == earlier["hash"]
    assert rows[0]["prev_hash"] == stored[int(rows[0]["id"]) - 1].hash
    # and `audit verify` agrees that the whole chain is intact
    assert main(["audit", "verify", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    if document is not None:
        assert document["chain_intact"] is True and document["first_broken_event"] is None


def test_an_export_to_a_file_appears_whole(trail, capsys, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "audit.json"
    code = main(["audit", "export", "--from", "2026-11-24", "--to", "2026-11-24", "--format", "json",
                 "--output", str(target)])

    assert code == 0, capsys.readouterr().err
    assert len(json.loads(target.read_text(encoding="utf-8"))["events"]) == len(trail[2]) - 2
    assert [p.name for p in folder.iterdir()] == ["audit.json"]
