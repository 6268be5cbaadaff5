"""Every `madoguchi` command, subcommand, option and argument says in its --help what it is for."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from bot.cli import build_parser


def commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ("madoguchi",)
             ) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser, str | None]]:
    """(command path, its parser, the one-line help its parent lists it with) for every command."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            listed = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield (*path, name), sub, listed.get(name)
                yield from commands(sub, (*path, name))


COMMANDS = list(commands(build_parser()))


def test_the_walk_reaches_every_command():
    names = {" ".join(path[1:]) for path, _, _ in COMMANDS}
    assert {"serve", "db upgrade", "config check", "config simulate", "manifest", "audit export", "faq ask",
            "jobs run", "jobs list", "playground", "digest", "route"} <= names


@pytest.mark.parametrize(("path", "parser", "listed"), COMMANDS, ids=[" ".join(c[0][1:]) for c in COMMANDS])
def test_every_command_and_option_has_a_description(path, parser, listed):
    assert listed and listed.strip(), f"{' '.join(path)} has no description in its parent's --help"
    undescribed = [action.option_strings[0] if action.option_strings else action.dest
                   for action in parser._actions
                   if not isinstance(action, argparse._HelpAction | argparse._SubParsersAction)
                   and (not action.help or not action.help.strip())]
    assert undescribed == [], f"`{' '.join(path)} --help`: no description for {', '.join(undescribed)}"
    assert parser.format_help()  # renders (a stray % in a help text would raise here)


def test_manifest_help_says_how_to_create_the_app(capsys):
    from bot.cli import main

    with pytest.raises(SystemExit):
        main(["manifest", "--help"])
    shown = capsys.readouterr().out

    for step in ("api.slack.com/apps", "From an app manifest", "Install to Workspace", "SLACK_BOT_TOKEN",
                 "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "connections:write"):
        assert step in shown


def _modules_loaded_by(*argv: str) -> set[str]:
    """The product modules a fresh `python -m bot <argv>` process has imported when it exits."""
    import subprocess
    import sys

    probe = ("import runpy, sys\n"
             f"sys.argv = ['madoguchi', *{list(argv)!r}]\n"
             "try:\n    runpy.run_module('bot', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print('--- loaded ---')\n"
             "print('\\n'.join(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('bot', 'faq', 'models', 'handlers', 'matplotlib', 'numpy', 'sqlalchemy', 'pydantic'))))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split("--- loaded ---")[-1].split())


def test_the_top_level_help_lists_every_command_without_loading_any_feature():
    """`madoguchi --help` is what an operator types first: it must answer at once (issue 16: ≤ 0.3 s), so it
    reads each command's one-line help from the CLI's own list and imports no feature, model or library."""
    loaded = _modules_loaded_by("--help")

    heavy = {m for m in loaded if m.split(".")[0] in ("faq", "models", "handlers", "matplotlib", "numpy",
                                                       "sqlalchemy", "pydantic")}
    allowed = ("bot.cli", "bot.__main__", "bot.cli_args", "bot.setup_help")
    features = {m for m in loaded if m.startswith("bot.") and m not in allowed}
    assert heavy == set() and features == set(), sorted(heavy | features)


def test_a_feature_command_loads_its_own_feature_only():
    loaded = _modules_loaded_by("route", "--help")

    assert "bot.routing.cli" in loaded
    assert not {"bot.faqdesk.cli", "bot.jobs", "bot.digest.cli", "bot.playground.cli", "bot.audit_export"} & loaded
