"""Approvals (稟議): chains built from rules, decisions by button, delegation (代理承認).

The composition root (bot/composition.py APPROVAL_HOOKS) plugs the approval flow into intake's
lifecycle hooks (bot/lifecycle.py): submit → start_approval, resubmit → resume_approval,
withdraw → cancel_approval."""
