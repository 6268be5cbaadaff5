"""Approvals (稟議): chains built from rules, decisions by button, delegation (代理承認).

Importing the package plugs the approval flow into intake's lifecycle hooks (bot/lifecycle.py):
submit → start_approval, resubmit → resume_approval, withdraw → cancel_approval."""

from __future__ import annotations


def install() -> bool:
    """Set the lifecycle hooks; False while intake's bot.lifecycle is not there yet."""
    try:
        from bot import lifecycle
    except ImportError:
        return False
    from bot.approvals import flow

    lifecycle.hooks.start_approval = flow.start_approval
    lifecycle.hooks.resume_approval = flow.resume_approval
    lifecycle.hooks.cancel_approval = flow.cancel_approval
    return True


install()
