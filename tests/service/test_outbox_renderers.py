"""Every process renders App Home the same way: every section is named in the one list the composition
root installs (bot/outbox_renderers.py HOME_SECTIONS), not found by whichever handler imported it."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.outbox_renderers import HOME_SECTIONS

ROOT = Path(__file__).resolve().parents[2]
SECTION_PARAMETERS = ["session", "services", "user", "locale"]


def section_builders() -> set[str]:
    """Every module-level `def name(session, services, user, locale) -> list[Block]` under bot/."""
    found = set()
    for path in (ROOT / "bot").rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (isinstance(node, ast.FunctionDef) and [a.arg for a in node.args.args] == SECTION_PARAMETERS
                    and node.returns is not None and ast.unparse(node.returns) == "list[Block]"):
                found.add(f"{module}.{node.name}")
    return found


def test_every_home_section_is_installed_for_both_processes():
    installed = {f"{builder.__module__}.{builder.__name__}" for builder in HOME_SECTIONS}
    assert section_builders() == installed
    assert len(HOME_SECTIONS) == len(installed), "a section listed twice would show twice"
