"""`madoguchi --team ID <command>`: in OAuth mode a command that reads or writes a workspace's records (the
FAQ, the digest, jobs, exports, receipts, the audit trail) runs as that workspace's desk: its database, its
config and its bot token are put in this process's environment, where every command reads its settings, so
each command works exactly as in single-workspace mode. Without --team such a command refuses in one line
rather than quietly reading the installations database with the bundled example config."""

from __future__ import annotations

import argparse
import os

from bot.settings import Settings, StartupFailed, load_settings

# Commands that run the whole deployment or touch no workspace's records.
DEPLOYMENT_COMMANDS = frozenset({"serve", "scheduler", "db", "manifest", "playground"})


def choose_workspace(args: argparse.Namespace) -> None:
    command = getattr(args, "command", None)
    if command == "config" and args.config_command == "check":  # reads its file; --team names which one
        return
    settings = load_settings()
    team = getattr(args, "team", None)
    deployment = command in DEPLOYMENT_COMMANDS
    if not settings.oauth_mode:
        if team:
            raise StartupFailed("--team names a workspace in OAuth mode (SLACK_CLIENT_ID set, no SLACK_BOT_TOKEN)")
        return
    if deployment:
        if team:
            raise StartupFailed(f"`madoguchi {command}` runs for every workspace; leave --team out")
        return
    if not team:
        raise StartupFailed(f"OAuth mode: name the workspace `madoguchi {command}` works on with --team "
                            "(its team id T…, or the enterprise id E… of an org-wide install)")
    os.environ.update(_as_workspace(settings, team))


def _as_workspace(settings: Settings, team: str) -> dict[str, str]:
    from bot.tenancy.teams import TeamDirectory, installed_bot, team_key
    from bot.tenancy.tokens import installations

    if team_key(None, team, False) is None:
        raise StartupFailed(f"--team {team!r}: not a Slack team or enterprise id")
    with installations(settings) as store:
        bot = installed_bot(store, team)
    if bot is None or not bot.bot_token:
        raise StartupFailed(f"--team {team}: no installation of madoguchi in that workspace")
    directory = TeamDirectory.from_settings(settings)
    return {"SLACK_BOT_TOKEN": bot.bot_token, "DATABASE_URL": directory.database_url(team),
            "MADOGUCHI_CONFIG": str(directory.config_path(team))}
