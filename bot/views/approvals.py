"""The approval views moved to bot/approvals/views.py. These names stay here only for bench/month.py,
which imports them from the old place, until it imports them from the new one."""

from bot.approvals.views import REASON_BLOCK, REASON_INPUT

__all__ = ["REASON_BLOCK", "REASON_INPUT"]
