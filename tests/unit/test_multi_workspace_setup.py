"""Setting up OAuth mode (bot/tenancy): what the operator is told when something is missing or wrong, the
manifest for an app installed by many workspaces, `config check --team`, and tokens that will not decrypt."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Bot
from sqlalchemy import update

from bot.cli import main
from bot.config import load_workspace
from bot.manifest import manifest
from bot.settings import BUNDLED_CONFIG, MissingSetting, Settings, StartupFailed
from bot.tenancy.compose import check_oauth_settings
from bot.tenancy.teams import TeamDirectory, team_key
from bot.tenancy.tokens import EncryptedInstallationStore, TokenUnreadable
from models import slack_bots
from models.db import make_engine

KEY = Fernet.generate_key().decode()
OAUTH = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "SLACK_SIGNING_SECRET": "x",
         "MADOGUCHI_TOKEN_KEY": KEY, "SLACK_BOT_TOKEN": "", "SLACK_APP_TOKEN": ""}


def settings(**overrides: str) -> Settings:
    return Settings(_env_file=None, **{**OAUTH, **overrides})  # type: ignore[arg-type]


def test_oauth_mode_is_chosen_by_a_client_id_without_a_bot_token() -> None:
    assert settings().oauth_mode
    assert not settings(SLACK_BOT_TOKEN="xoxb-1").oauth_mode
    assert not settings(SLACK_CLIENT_ID="").oauth_mode


@pytest.mark.parametrize(("overrides", "error", "says"), [
    ({"MADOGUCHI_TOKEN_KEY": "", "SLACK_CLIENT_SECRET": ""}, MissingSetting,
     "missing environment for OAuth mode: SLACK_CLIENT_SECRET, MADOGUCHI_TOKEN_KEY."),
    ({"MADOGUCHI_TOKEN_KEY": "not-a-key"}, StartupFailed, "MADOGUCHI_TOKEN_KEY is not a Fernet key"),
    ({"SLACK_APP_TOKEN": "xapp-1"}, StartupFailed, "unset SLACK_APP_TOKEN"),
    ({"MADOGUCHI_TEAM_DATABASE_URL": "postgresql://db/madoguchi"}, StartupFailed, "must contain {team}"),
], ids=["missing", "bad-key", "socket-mode", "one-database"])
def test_what_is_wrong_is_said_in_one_line(overrides: dict[str, str], error: type[Exception], says: str) -> None:
    with pytest.raises(error) as raised:
        check_oauth_settings(settings(**overrides))
    assert says in str(raised.value) and "\n" not in str(raised.value)


def test_serve_in_oauth_mode_without_the_key_exits_2_naming_it(monkeypatch, capsys) -> None:
    for name, value in {**OAUTH, "MADOGUCHI_TOKEN_KEY": ""}.items():
        monkeypatch.setenv(name, value)
    assert main(["serve"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "madoguchi: missing environment for OAuth mode: MADOGUCHI_TOKEN_KEY. See README, 'Connecting to Slack'."]


@pytest.mark.parametrize(("enterprise", "team", "org", "key"), [
    (None, "T0123ABCD", False, "T0123ABCD"),
    ("E0123ABCD", "T0123ABCD", False, "T0123ABCD"),
    ("E0123ABCD", "T0123ABCD", True, "E0123ABCD"),
    (None, "../../etc/passwd", False, None),
    (None, "t0123abcd", False, None),
    (None, None, False, None),
])
def test_a_desk_is_keyed_by_slack_ids_only(enterprise: str | None, team: str | None, org: bool,
                                            key: str | None) -> None:
    assert team_key(enterprise, team, org) == key


def test_each_workspace_has_its_own_database() -> None:
    directory = TeamDirectory(Path("/etc/madoguchi/teams"), "postgresql://db/madoguchi_{team}")
    assert directory.database_url("T0123ABCD") == "postgresql://db/madoguchi_t0123abcd"
    assert directory.config_path("E0123ABCD") == Path("/etc/madoguchi/teams/E0123ABCD.yaml")


def test_the_manifest_for_many_workspaces_names_the_redirect_and_hears_uninstalls() -> None:
    config = load_workspace(BUNDLED_CONFIG)
    single = manifest(config, socket_mode=False, request_url="https://h/slack/events")
    many = manifest(config, socket_mode=False, request_url="https://h/slack/events",
                    oauth_redirect_url="https://h/slack/oauth_redirect")
    assert "redirect_urls" not in single["oauth_config"]
    assert not {"app_uninstalled", "tokens_revoked"} & set(single["settings"]["event_subscriptions"]["bot_events"])
    assert many["oauth_config"]["redirect_urls"] == ["https://h/slack/oauth_redirect"]
    assert {"app_uninstalled", "tokens_revoked"} <= set(many["settings"]["event_subscriptions"]["bot_events"])


def test_manifest_refuses_a_redirect_slack_cannot_reach(monkeypatch, capsys) -> None:
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    assert main(["manifest", "--url", "https://h/slack/events", "--oauth-redirect-url", "http://h/x"]) == 2
    assert "Slack sends requests only to https:// URLs" in capsys.readouterr().err
    assert main(["manifest", "--url", "https://h/slack/events",
                 "--oauth-redirect-url", "https://h/slack/oauth_redirect"]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["oauth_config"]["redirect_urls"] == [
        "https://h/slack/oauth_redirect"]


def test_config_check_reads_one_workspaces_config(monkeypatch, capsys, tmp_path: Path) -> None:
    (tmp_path / "T0123ABCD.yaml").write_text(BUNDLED_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("MADOGUCHI_TEAMS_DIR", str(tmp_path))
    assert main(["config", "check", "--team", "T0123ABCD"]) == 0
    assert capsys.readouterr().out.startswith(f"{tmp_path / 'T0123ABCD.yaml'}: OK")
    assert main(["config", "check", "--team", "T0NOTHERE"]) == 1
    assert main(["config", "check", "--team", "../T0123ABCD"]) == 2


def test_a_token_that_will_not_decrypt_is_refused_not_used(tmp_path: Path) -> None:
    from bot.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path}/registry.db")
    upgrade(engine)
    store = EncryptedInstallationStore("1.2", engine, Fernet(KEY.encode()))
    store.save_bot(Bot(app_id="A1", enterprise_id=None, team_id="T0123ABCD", bot_token="xoxb-secret",
                       bot_id="B1", bot_user_id="U1", installed_at=1_700_000_000.0))
    assert store.find_bot(enterprise_id=None, team_id="T0123ABCD").bot_token == "xoxb-secret"
    other_key = EncryptedInstallationStore("1.2", engine, Fernet(Fernet.generate_key()))
    with pytest.raises(TokenUnreadable, match="does not decrypt with MADOGUCHI_TOKEN_KEY"):
        other_key.find_bot(enterprise_id=None, team_id="T0123ABCD")
    with engine.begin() as conn:  # a row altered in the database
        conn.execute(update(slack_bots).values(bot_token="gAAAAAB" + "x" * 100))
    with pytest.raises(TokenUnreadable):
        store.find_bot(enterprise_id=None, team_id="T0123ABCD")
    engine.dispose()
