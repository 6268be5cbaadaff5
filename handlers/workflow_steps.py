"""Workflow Builder's custom step 「madoguchi で承認」: a run (the `function_executed` event) becomes a request
on the approval chain. Bolt acknowledges it; the run is completed later, when the request is decided, through
the outbox (bot/workflow_steps/runs.py) — never here, where only the run's start is known."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.services import Services
from bot.workflow_steps.spec import CALLBACK_ID
from bot.workflow_steps.start import start


def register(app: App, services: Services) -> None:
    @app.function(CALLBACK_ID)
    def approval_step(body: dict[str, Any], context: BoltContext) -> None:
        event = body.get("event") or {}
        start(context["db"], services, execution_id=str(event.get("function_execution_id") or ""),
              callback_id=CALLBACK_ID, inputs=dict(event.get("inputs") or {}))
