"""Every process renders App Home the same way: the sections' modules are all installed by the
composition root, not by whichever Slack handler happened to import them."""

from __future__ import annotations

import re
from pathlib import Path

from bot.outbox_renderers import HOME_SECTIONS

ROOT = Path(__file__).resolve().parents[2]
DECORATED = re.compile(r"^@add_section\b", re.MULTILINE)


def test_every_module_with_home_sections_is_installed_for_both_processes():
    contributing = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in (ROOT / "bot").rglob("*.py")
        if DECORATED.search(path.read_text(encoding="utf-8"))
    }
    assert contributing == set(HOME_SECTIONS)
