"""Tickets (問い合わせ・申請): submission, the triage desk, the requester's side.

`route_to_triage(session, services, ticket, actor)` is what the approvals flow calls after the final
approval (bot/lifecycle.py describes the other hooks)."""

from bot.tickets.desk import route_to_triage

__all__ = ["route_to_triage"]
