"""Message catalogs, ja and en.

Each locale is a folder of YAML files, one per feature area (core.yaml, intake.yaml, …), merged
into one flat table of dotted keys; a key defined in two files is an error.
Placeholders use str.format names: "{number}".

`t()` returns mrkdwn: every string parameter is escaped (&, <, >) unless it is already `Mrkdwn`
(see bot/i18n/mrkdwn.py, the one home of escaping: `mention()`, `link()`, `trusted()` are the opt-outs).
`bot.views.blocks.plain` turns the result back into literal text for plain_text objects.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.i18n.mrkdwn import Mrkdwn, escape, format_escaped

LOCALES = ("ja", "en")
DEFAULT_LOCALE = "ja"
_ROOT = Path(__file__).parent


def _flatten(prefix: str, node: Any, out: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), value, out)
    else:
        out[prefix] = str(node)


@cache
def catalog(locale: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for path in sorted((_ROOT / locale).glob("*.yaml")):
        part: dict[str, str] = {}
        _flatten("", yaml.safe_load(path.read_text(encoding="utf-8")) or {}, part)
        clash = table.keys() & part.keys()
        if clash:
            raise ValueError(f"{path}: keys already defined in another {locale} file: {sorted(clash)}")
        table.update(part)
    return table


def normalise_locale(value: str | None) -> str:
    """Slack locales look like ja-JP or en-US; anything not Japanese reads English."""
    if not value:
        return DEFAULT_LOCALE
    return "ja" if value.lower().startswith("ja") else "en"


def t(locale: str, key: str, **params: Any) -> Mrkdwn:
    """The message for `key` in `locale` (falling back to Japanese, then to the key itself), as mrkdwn:
    string parameters are escaped unless they are `Mrkdwn` already (mentions, links the bot makes)."""
    locale = locale if locale in LOCALES else DEFAULT_LOCALE
    template = catalog(locale).get(key) or catalog(DEFAULT_LOCALE).get(key)
    if template is None:
        return escape(key)
    try:
        return format_escaped(template, params)
    except (KeyError, IndexError, ValueError):
        return Mrkdwn(template)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
