"""The Slack ids moved to bot/slack_ids.py. This re-export remains only for bench/month.py, which is being
edited elsewhere; once it imports bot.slack_ids, delete this file (nothing in bot/, handlers/ or tests/ uses it)."""

from bot.slack_ids import *  # noqa: F403
