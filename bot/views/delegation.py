"""The delegation views moved to bot/approvals/delegation_view.py. These names stay here only for
bench/month.py, which imports them from the old place, until it imports them from the new one."""

from bot.approvals.delegation_view import (
    DATE_INPUT,
    DELEGATE_BLOCK,
    DELEGATE_INPUT,
    ENDS_BLOCK,
    NOTE_BLOCK,
    NOTE_INPUT,
    STARTS_BLOCK,
)

__all__ = ["DATE_INPUT", "DELEGATE_BLOCK", "DELEGATE_INPUT", "ENDS_BLOCK", "NOTE_BLOCK", "NOTE_INPUT", "STARTS_BLOCK"]
