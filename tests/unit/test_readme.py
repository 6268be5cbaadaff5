"""The README's commands are ones that exist, written one way (`.venv/bin/madoguchi`, where `make` puts it),
and its setup lines match what CI installs."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from bot.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


TOP = subcommands(build_parser())


def commands_in_code() -> list[str]:
    """Every piece of README code: fenced blocks' lines (comments dropped) and `inline` spans."""
    fenced = re.findall(r"```[a-z]*\n(.*?)```", README, re.DOTALL)
    lines = [line.split(" # ")[0].strip() for block in fenced for line in block.splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    prose = re.sub(r"```.*?```", "", README, flags=re.DOTALL)
    return lines + re.findall(r"`([^`\n]+)`", prose)


def test_madoguchi_is_always_run_from_the_venv():
    bare = [code for code in commands_in_code()
            if re.search(r"(?<![\w/.-])madoguchi (?=[a-z])", code)]
    assert bare == [], "run as .venv/bin/madoguchi (the README says so once): " + "; ".join(bare)


def test_every_command_the_readme_runs_exists():
    invocation = re.compile(r"\.venv/bin/madoguchi (?:--team \S+ )?([a-z-]+)(?: ([a-z-]+))?")  # past the global option
    used = [m for code in commands_in_code() for m in invocation.findall(code)]
    assert len(used) > 10
    for command, sub in used:
        assert command in TOP, f"`madoguchi {command}` is not a command"
        subs = subcommands(TOP[command])
        if subs:
            assert sub in subs, f"`madoguchi {command} {sub}` is not a command (there are {', '.join(subs)})"


def test_the_cli_section_lists_every_command():
    (line,) = re.findall(r"^`\.venv/bin/madoguchi ([a-z |-]+)`$", README, re.MULTILINE)
    listed = set()
    for part in line.split(" | "):
        words = part.split()
        listed |= {f"{words[0]} {sub}" for sub in words[1].split("|")} if len(words) > 1 else {words[0]}
    actual = {f"{name} {sub}" if sub else name
              for name, parser in TOP.items() for sub in (subcommands(parser) or {None: None})}
    assert listed == actual


def test_the_browser_test_setup_installs_what_ci_installs():
    ci = re.search(r"apt-get install -y -qq --no-install-recommends ([a-z0-9 -]+?) >", (ROOT / ".ci/run").read_text())
    readme = re.search(r"`apt-get install ([a-z0-9 -]+)`", README.split("Browser tests")[1])

    assert ci is not None and readme is not None
    assert sorted(readme.group(1).split()) == sorted(ci.group(1).split())


def test_the_readme_says_settings_may_come_from_dotenv():
    assert "`.env`" in README
