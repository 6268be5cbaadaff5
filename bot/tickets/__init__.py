"""Tickets (問い合わせ・申請): submission, the triage desk, the requester's side.

`bot.tickets.submit.route_to_triage(session, services, ticket, actor)` is what the approvals flow calls
after the final approval (bot/lifecycle.py describes the hooks the other way)."""
