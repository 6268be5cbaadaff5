"""Stalls and numbers: no Slack listeners of their own (reminders and the digest are scheduler jobs);
importing the modules below registers their App Home sections."""

from __future__ import annotations

from slack_bolt import App

from bot.digest import home as digest_home
from bot.reminders import status as reminder_status
from bot.services import Services

SECTIONS = (digest_home, reminder_status)  # importing them registers their @add_section builders


def register(app: App, services: Services) -> None:
    """Nothing to wire: the sections receive services when the Home is rendered."""
