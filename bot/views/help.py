"""The `/helpdesk help` answer."""

from __future__ import annotations

from bot.config import WorkspaceConfig
from bot.i18n import t
from bot.views.blocks import Block, context, header, section


def help_blocks(locale: str, config: WorkspaceConfig) -> list[Block]:
    departments = "、".join(d.name.get(locale) for d in config.departments) if locale == "ja" else ", ".join(
        d.name.get(locale) for d in config.departments
    )
    return [
        header(t(locale, "help.title")),
        section(t(locale, "help.body")),
        context(t(locale, "help.footer", departments=departments)),
    ]


def help_text(locale: str) -> str:
    return t(locale, "help.title") + "\n" + t(locale, "help.body")
