"""Installed by many workspaces (OAuth mode, bot/tenancy): two companies install madoguchi through Slack's
redirect, each then works with its own desk — its config, its database, its token — and sees nothing of
the other's; one uninstalls and its desk stops while the other's goes on. Driven over HTTP like every
wiring test: the browser's install flow as GETs with the state cookie, Slack's requests signed."""

from __future__ import annotations

import http.client
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url

from bot.composition import build_services
from bot.config import parse_workspace
from bot.digest.post import post_if_due
from bot.fakeslack import FakeSlackServer, SlackRequester
from bot.fakeslack.api_oauth import CLIENT_ID, CLIENT_SECRET
from bot.outbox import RetryPolicy
from bot.server import HttpServer
from bot.services import Services
from bot.settings import BUNDLED_CONFIG, Settings
from bot.tenancy.compose import MultiWorkspace, build_multi_workspace
from bot.tenancy.wsgi import NOT_SET_UP
from models import OutboxMessage, Ticket, slack_bots, slack_installations
from models.db import make_engine
from tests.harness import SIGNING_SECRET, Bot, people_as_fake_users
from tests.wiring.intake_steps import EMPLOYEE, request

ALPHA, BRAVO = "TALPHA0001", "TBRAVO0002"
GRID, GRID_WORKSPACE = "EGRID00001", "TGRIDWS001"
CHANNELS = re.compile(r"\bC(FINANCE|HR|GENERAL|LEGAL|IT|DIGEST01|HELPDESK)\b")
JST = ZoneInfo("Asia/Tokyo")


def bravo_config(example: str) -> str:
    """Another company: its own people and channels (Slack ids are per workspace), its own 締め日."""
    text_ = CHANNELS.sub(r"CB\1", example).replace("slack_id: U", "slack_id: UB")
    return text_.replace("expense_closing_day: {ja: 5営業日目, en: 5th business day}",
                         "expense_closing_day: {ja: 3営業日目, en: 3rd business day}")


@dataclass
class Hosting:
    slack: FakeSlackServer
    multi: MultiWorkspace
    http: HttpServer
    registry: Engine
    settings: Settings

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.http.port, timeout=10)
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()
        finally:
            conn.close()

    def install(self, team_id: str | None, name: str, **grid: Any) -> tuple[int, str]:
        """An admin clicks "Add to Slack", allows, and lands on the redirect: its status and page."""
        status, headers, _ = self.get("/slack/install")
        assert status == 302, status
        state = parse_qs(urlsplit(headers["location"]).query)["state"][0]
        cookie = headers["set-cookie"].split(";")[0]
        code = self.slack.grant_install(team_id, name, **grid)
        status, _, page = self.get(f"/slack/oauth_redirect?code={code}&state={state}", {"Cookie": cookie})
        return status, page

    def desk(self, team_id: str, *, key: str | None = None, **grid: Any) -> Bot:
        """What the tests drive for one workspace: its services, and requests coming from that workspace."""
        services = self.multi.teams.services(key or team_id)
        assert services is not None, f"{key or team_id} has no desk"
        requester = SlackRequester(self.http.url, SIGNING_SECRET, triggers=self.slack.issue_trigger,
                                   response_urls=self.slack.response_url, workspace={"team_id": team_id, **grid})
        return Bot(slack=self.slack, services=services, app=None, http=self.http, requester=requester)  # type: ignore[arg-type]

    def token(self, key: str) -> str:
        with self.slack.workspace.lock:
            return next(token for token, who in self.slack.workspace.installed_tokens.items()
                        if key in (who["team_id"], who["enterprise_id"]))


def settle(services: Services, until: Callable[[], bool] = lambda: True) -> None:
    """The desk's outbox has sent everything (its own thread delivers too) and `until` holds."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        services.dispatcher.drain()
        with services.session_factory() as session:
            waiting = session.scalar(select(func.count()).select_from(OutboxMessage)
                                     .where(OutboxMessage.status.in_(("pending", "sending"))))
        if not waiting and until():
            return
        time.sleep(0.05)
    raise AssertionError("the outbox did not settle in 10 s")


def quick_services(settings: Settings) -> Services:
    return build_services(settings, retry_policy=RetryPolicy(base_delay=0.01, max_delay=0.05, lane_interval=0.0,
                                                             home_interval=0.0, settle=0.05))


@pytest.fixture
def hosting(clean_engine: Engine, backend: str, tmp_path: Path) -> Iterator[Hosting]:
    example = BUNDLED_CONFIG.read_text(encoding="utf-8")
    (tmp_path / f"{ALPHA}.yaml").write_text(example, encoding="utf-8")
    (tmp_path / f"{BRAVO}.yaml").write_text(bravo_config(example), encoding="utf-8")
    (tmp_path / f"{GRID}.yaml").write_text(example, encoding="utf-8")
    users = [*people_as_fake_users(parse_workspace(example, "alpha")),
             *people_as_fake_users(parse_workspace(bravo_config(example), "bravo"))]
    slack = FakeSlackServer(users=users).start()
    registry_url = clean_engine.url.render_as_string(hide_password=False)
    prefix = f"mdg{uuid.uuid4().hex[:8]}"
    if backend == "sqlite":
        team_url = f"sqlite:///{tmp_path}/{prefix}-{{team}}.db"
    else:
        team_url = make_url(registry_url).set(database=f"{prefix}_teamslot").render_as_string(
            hide_password=False).replace("teamslot", "{team}")
    settings = Settings(SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET=CLIENT_SECRET,
                        SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack.url, DATABASE_URL=registry_url,
                        MADOGUCHI_TOKEN_KEY=Fernet.generate_key().decode(), MADOGUCHI_TEAMS_DIR=str(tmp_path),
                        MADOGUCHI_TEAM_DATABASE_URL=team_url)
    multi = build_multi_workspace(settings, build_services=quick_services)
    http_server = HttpServer(multi.wsgi(settings), host="127.0.0.1", port=0, threads=8).start()
    running = Hosting(slack, multi, http_server, clean_engine, settings)
    try:
        yield running
    finally:
        http_server.stop()
        multi.close()
        slack.stop()
        if backend == "postgresql":
            server = make_engine(make_url(registry_url).set(database="postgres").render_as_string(
                hide_password=False), isolation_level="AUTOCOMMIT")
            with server.connect() as conn:
                for (name,) in conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                                            {"p": f"{prefix}_%"}):
                    conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
            server.dispose()


def asks(desk: Bot, user: str, question: str) -> str:
    """A question in the DM; the answer the person sees."""
    assert desk.dm(user, question).status == 200
    dm = desk.slack.dm_channel(user)
    settle(desk.services, lambda: len(desk.slack.messages(dm)) >= 2)
    return str(desk.slack.messages(dm)[-1])


def posted_with(slack: FakeSlackServer, channel: str) -> set[str]:
    """The tokens the app posted to `channel` with."""
    return {c.headers.get("Authorization", "").removeprefix("Bearer ") for c in slack.calls("chat.postMessage")
            if c.params.get("channel") == channel}


def next_digest_time() -> datetime:
    """Monday 09:00 JST after now: the digest that reports this week."""
    now = datetime.now(JST)
    monday = now + timedelta(days=(7 - now.weekday()) % 7 or 7)
    return monday.replace(hour=9, minute=0, second=0, microsecond=0)


def test_two_companies_install_through_the_redirect_and_each_sees_only_its_own(hosting: Hosting) -> None:
    for team_id, name in ((ALPHA, "Alpha 株式会社"), (BRAVO, "Bravo 合同会社")):
        status, page = hosting.install(team_id, name)
        assert status == 200 and "madoguchi をインストールしました" in page
    assert hosting.multi.teams.keys() == [ALPHA, BRAVO]
    alpha, bravo = hosting.desk(ALPHA), hosting.desk(BRAVO)

    # The tokens are kept encrypted: the database alone gives no usable token.
    with hosting.registry.connect() as conn:
        stored = dict(conn.execute(select(slack_bots.c.team_id, slack_bots.c.bot_token)).all())
        assert conn.scalar(select(func.count()).select_from(slack_installations)) == 2
    assert set(stored) == {ALPHA, BRAVO}
    key = Fernet(hosting.settings.madoguchi_token_key.get_secret_value().encode())  # type: ignore[union-attr]
    for team_id, sealed in stored.items():
        assert "xox" not in sealed
        assert key.decrypt(sealed.encode()).decode() == hosting.token(team_id)

    # Each company's FAQ answers with its own values, through its own token.
    assert "5営業日目" in asks(alpha, EMPLOYEE, "経費精算の締め日はいつですか")
    answer = asks(bravo, "UB" + EMPLOYEE[1:], "経費精算の締め日はいつですか")
    assert "3営業日目" in answer and "5営業日目" not in answer
    assert posted_with(hosting.slack, hosting.slack.dm_channel(EMPLOYEE)) == {hosting.token(ALPHA)}
    assert posted_with(hosting.slack, hosting.slack.dm_channel("UB" + EMPLOYEE[1:])) == {hosting.token(BRAVO)}

    # Alpha's request is Alpha's ticket, on Alpha's desk channel; Bravo has none.
    ticket = request(alpha, EMPLOYEE, "inquiry", {"subject": "経費の締め日", "details": "今月の締め日を教えてください",
                                                  "department": "finance"})
    settle(alpha.services)
    assert [t.number for t in _tickets(alpha)] == [ticket.number] and _tickets(bravo) == []
    assert any(ticket.number in m.get("text", "") for m in hosting.slack.messages("CFINANCE"))
    assert not any(ticket.number in m.get("text", "") for m in hosting.slack.messages("CBFINANCE"))

    # Each digest counts its own company's week, in its own channel.
    at = next_digest_time()
    assert post_if_due(alpha.services, at).endswith("posted to CDIGEST01")
    assert post_if_due(bravo.services, at).endswith("posted to CBDIGEST01")
    settle(alpha.services)
    settle(bravo.services)
    assert _new_in_finance(hosting.slack, "CDIGEST01") == "1"
    assert _new_in_finance(hosting.slack, "CBDIGEST01") == "0"
    assert posted_with(hosting.slack, "CBDIGEST01") == {hosting.token(BRAVO)}


def _tickets(desk: Bot) -> list[Ticket]:
    with desk.services.session_factory() as session:
        return list(session.scalars(select(Ticket)))


def _new_in_finance(slack: FakeSlackServer, channel: str) -> str:
    """The digest table's "new" cell of the finance row."""
    (digest,) = [m for m in slack.messages(channel) if any(b.get("type") == "table" for b in m.get("blocks") or [])]
    table = next(b for b in digest["blocks"] if b["type"] == "table")
    row = next(r for r in table["rows"] if "経理" in _cell(r[0]))
    return _cell(row[1]).split()[0]


def _cell(cell: dict[str, Any]) -> str:
    return str(cell.get("text") or cell)


@pytest.mark.parametrize("event", [
    {"type": "app_uninstalled"},
    {"type": "tokens_revoked", "tokens": {"bot": ["UBTBRAVO0002"]}},
])
def test_an_uninstall_deletes_the_tokens_and_stops_that_desk_only(hosting: Hosting, event: dict[str, Any]) -> None:
    for team_id in (ALPHA, BRAVO):
        assert hosting.install(team_id, team_id)[0] == 200
    alpha, bravo = hosting.desk(ALPHA), hosting.desk(BRAVO)
    bravo_services = bravo.services

    assert bravo.requester.event(event).status == 200

    with hosting.registry.connect() as conn:
        assert conn.execute(select(slack_bots.c.team_id)).scalars().all() == [ALPHA]
        assert conn.execute(select(slack_installations.c.team_id)).scalars().all() == [ALPHA]
    assert hosting.multi.teams.keys() == [ALPHA]
    assert not bravo_services.dispatcher.running  # its outbox (and jobs) stopped
    reply = bravo.command("UB" + EMPLOYEE[1:], "")
    assert reply.status == 200 and reply.body["text"] == NOT_SET_UP
    assert "5営業日目" in asks(alpha, EMPLOYEE, "経費精算の締め日はいつですか")


def test_a_user_token_revoked_leaves_the_install_alone(hosting: Hosting) -> None:
    assert hosting.install(ALPHA, "Alpha")[0] == 200
    alpha = hosting.desk(ALPHA)
    assert alpha.requester.event({"type": "tokens_revoked", "tokens": {"oauth": ["U0INSTALLER"]}}).status == 200
    assert hosting.multi.teams.keys() == [ALPHA]


def test_an_org_wide_install_serves_every_workspace_of_the_organisation(hosting: Hosting) -> None:
    status, page = hosting.install(None, "Grid 本社", enterprise_id=GRID, is_enterprise_install=True)
    assert status == 200, page
    assert hosting.multi.teams.keys() == [GRID]
    grid = hosting.desk(GRID_WORKSPACE, key=GRID, enterprise_id=GRID, is_enterprise_install=True)
    assert "5営業日目" in asks(grid, EMPLOYEE, "経費精算の締め日はいつですか")
    assert posted_with(hosting.slack, hosting.slack.dm_channel(EMPLOYEE)) == {hosting.token(GRID)}


def test_a_workspace_installed_without_a_config_is_told_so_and_nothing_runs(hosting: Hosting) -> None:
    other = "TNOCONFIG1"
    assert hosting.install(other, "Charlie")[0] == 200
    assert hosting.multi.teams.keys() == []
    requester = SlackRequester(hosting.http.url, SIGNING_SECRET, workspace={"team_id": other})
    reply = requester.command(user_id="UCHARLIE01", text="")
    assert reply.status == 200 and reply.body["text"] == NOT_SET_UP


def test_the_redirect_without_the_browser_that_started_it_installs_nothing(hosting: Hosting) -> None:
    status, headers, _ = hosting.get("/slack/install")
    state = parse_qs(urlsplit(headers["location"]).query)["state"][0]
    code = hosting.slack.grant_install(ALPHA, "Alpha")
    status, _, page = hosting.get(f"/slack/oauth_redirect?code={code}&state={state}")  # no state cookie
    assert status == 400 and "インストールできませんでした" in page
    with hosting.registry.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(slack_bots)) == 0


def test_unsigned_requests_are_refused_before_any_desk_is_looked_up(hosting: Hosting) -> None:
    assert hosting.install(ALPHA, "Alpha")[0] == 200
    forged = SlackRequester(hosting.http.url, "not-the-signing-secret", workspace={"team_id": ALPHA})
    assert forged.event({"type": "app_uninstalled"}).status == 401
    assert hosting.multi.teams.keys() == [ALPHA]


# A desk stopped a moment after it started: APScheduler once raised from its own thread here (bot/scheduler.py stop).
@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_the_scheduler_runs_each_installed_workspaces_jobs_and_follows_uninstalls(hosting: Hosting) -> None:
    for team_id in (ALPHA, BRAVO):
        assert hosting.install(team_id, team_id)[0] == 200
    scheduler = build_multi_workspace(hosting.settings, with_scheduler=True, build_services=quick_services)
    try:
        scheduler.teams.sync()  # what `madoguchi scheduler` does every RECHECK_S
        assert scheduler.teams.keys() == [ALPHA, BRAVO]
        bravo_jobs = scheduler.teams.scheduler(BRAVO)
        assert bravo_jobs is not None and bravo_jobs.running

        assert hosting.desk(BRAVO).requester.event({"type": "app_uninstalled"}).status == 200
        scheduler.teams.sync()

        assert scheduler.teams.keys() == [ALPHA]
        assert not bravo_jobs.running
        assert scheduler.teams.scheduler(ALPHA).running
    finally:
        scheduler.close()


def test_desks_use_the_encrypted_store_not_bolts_file_based_one(hosting: Hosting, monkeypatch, caplog) -> None:
    """In OAuth mode SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are in the environment, where Bolt would give every
    App it builds a development-only file-based installation store."""
    monkeypatch.setenv("SLACK_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SLACK_CLIENT_SECRET", CLIENT_SECRET)
    assert hosting.install(ALPHA, "Alpha")[0] == 200
    app = hosting.multi.teams.app_for(None, ALPHA, False)
    assert app.installation_store is hosting.multi.store
    assert "file-based" not in caplog.text


def test_an_install_whose_database_cannot_be_prepared_says_so_on_the_page_and_in_one_log_line(
        hosting: Hosting, caplog) -> None:
    broken = hosting.settings.model_copy(update={"madoguchi_team_database_url": "sqlite:////proc/none/{team}.db"})
    multi = build_multi_workspace(broken, build_services=quick_services)
    server = HttpServer(multi.wsgi(broken), host="127.0.0.1", port=0, threads=2).start()
    try:
        status, page = Hosting(hosting.slack, multi, server, hosting.registry, broken).install(ALPHA, "Alpha")
    finally:
        server.stop()
        multi.close()
    assert status == 500 and "設定を完了できませんでした" in page
    (line,) = [r for r in caplog.records if r.levelname == "ERROR"]
    assert line.getMessage() == (f"install of {ALPHA} stored, but its desk could not be set up: the workspace's "
                                 "database could not be migrated (OperationalError)")


def test_db_upgrade_migrates_every_installed_workspaces_database(hosting: Hosting) -> None:
    from bot.migrate import current
    from bot.tenancy.teams import TeamDirectory, upgrade_workspaces

    for team_id in (ALPHA, BRAVO):
        assert hosting.install(team_id, team_id)[0] == 200
    hosting.multi.teams.close()
    directory = TeamDirectory.from_settings(hosting.settings)
    head = current(hosting.registry)
    for team_id in (ALPHA, BRAVO):  # a release earlier: both desks one migration behind
        engine = make_engine(directory.database_url(team_id))
        upgrade_down_one(engine)
        assert current(engine) != head
        engine.dispose()

    assert upgrade_workspaces(hosting.settings) == [(ALPHA, head), (BRAVO, head)]


def upgrade_down_one(engine: Engine) -> None:
    from alembic import command

    from bot.migrate import alembic_config

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "-1")


def test_opening_the_install_page_again_and_again_keeps_only_live_states(hosting: Hosting) -> None:
    from models import slack_oauth_states

    with hosting.registry.begin() as conn:  # states issued an hour ago and never used
        conn.execute(slack_oauth_states.insert(), [{"state": f"old-{i}", "expire_at": datetime(2000, 1, 1)}
                                                   for i in range(50)])
    for _ in range(3):
        assert hosting.get("/slack/install")[0] == 302
    with hosting.registry.connect() as conn:
        states = conn.execute(select(slack_oauth_states.c.state)).scalars().all()
    assert len(states) == 3 and not any(s.startswith("old-") for s in states)
    # A state is good once: the redirect replayed with the same state and cookie installs nothing more.
    _, headers, _ = hosting.get("/slack/install")
    state = parse_qs(urlsplit(headers["location"]).query)["state"][0]
    cookie = headers["set-cookie"].split(";")[0]
    first = hosting.get(f"/slack/oauth_redirect?code={hosting.slack.grant_install(ALPHA, 'A')}&state={state}",
                        {"Cookie": cookie})
    again = hosting.get(f"/slack/oauth_redirect?code={hosting.slack.grant_install(BRAVO, 'B')}&state={state}",
                        {"Cookie": cookie})
    assert (first[0], again[0]) == (200, 401)  # Bolt: invalid_state
    assert hosting.multi.teams.keys() == [ALPHA]


def test_a_desk_whose_database_does_not_answer_is_refused_so_that_slack_retries(hosting: Hosting, caplog) -> None:
    assert hosting.install(ALPHA, "Alpha")[0] == 200
    # Another process starts while the workspace's database server is down (nothing listens on port 1).
    down = hosting.settings.model_copy(update={
        "madoguchi_team_database_url": "postgresql://postgres@127.0.0.1:1/madoguchi_{team}"})
    multi = build_multi_workspace(down, build_services=quick_services)
    server = HttpServer(multi.wsgi(down), host="127.0.0.1", port=0, threads=2).start()
    try:
        requester = SlackRequester(server.url, SIGNING_SECRET, triggers=hosting.slack.issue_trigger,
                                   workspace={"team_id": ALPHA})
        event = requester.event({"type": "app_mention", "user": EMPLOYEE, "text": "<@U1> 締め日は？",
                                 "channel": "CHELPDESK", "ts": "1.1", "event_ts": "1.1"})
        command = requester.command(user_id=EMPLOYEE, text="help")
        logged = caplog.text  # before the test's server stops (waitress's own shutdown is not the app's)
    finally:
        server.stop()
        multi.close()
    assert event.status == 503
    assert command.status == 200 and command.body["text"].startswith("madoguchi は今応答できません")
    assert f"workspace {ALPHA}: its desk could not start (OperationalError)" in logged
    assert "Traceback" not in logged


def test_a_command_runs_as_the_workspace_named_by_team(hosting: Hosting, monkeypatch, capsys) -> None:
    from bot.cli import main

    for team_id in (ALPHA, BRAVO):
        assert hosting.install(team_id, team_id)[0] == 200
    environment = {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET,
                   "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": hosting.slack.url,
                   "DATABASE_URL": hosting.settings.database_url,
                   "MADOGUCHI_TOKEN_KEY": hosting.settings.madoguchi_token_key.get_secret_value(),  # type: ignore[union-attr]
                   "MADOGUCHI_TEAMS_DIR": str(hosting.settings.madoguchi_teams_dir),
                   "MADOGUCHI_TEAM_DATABASE_URL": hosting.settings.madoguchi_team_database_url,
                   "MADOGUCHI_CONFIG": str(BUNDLED_CONFIG), "SLACK_BOT_TOKEN": ""}
    def operator_shell() -> None:
        """A fresh `madoguchi` process's environment (--team changes this one's: monkeypatch puts it back)."""
        for name, value in environment.items():
            monkeypatch.setenv(name, value)

    operator_shell()

    request(hosting.desk(ALPHA), EMPLOYEE, "inquiry", {"subject": "締め日", "details": "締め日を教えてください",
                                                        "department": "finance"})
    at = next_digest_time().isoformat()
    assert main(["--team", BRAVO, "digest", "--dry-run", "--json", "--at", at]) == 0
    bravo = json.loads(capsys.readouterr().out)
    operator_shell()
    assert main(["--team", ALPHA, "digest", "--dry-run", "--json", "--at", at]) == 0
    alpha = json.loads(capsys.readouterr().out)
    assert (alpha["digest"]["total"]["this"]["new"], bravo["digest"]["total"]["this"]["new"]) == (1, 0)

    operator_shell()
    assert main(["faq", "ask", "締め日"]) == 2
    assert "OAuth mode: name the workspace `madoguchi faq` works on with --team" in capsys.readouterr().err
    assert main(["--team", "TNOTHERE01", "faq", "ask", "締め日"]) == 2
    assert "--team TNOTHERE01: no installation of madoguchi in that workspace" in capsys.readouterr().err
