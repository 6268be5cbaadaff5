"""How a workflow run ended, told to Slack exactly once: functions.completeSuccess with the outputs, or
functions.completeError with a reason the workflow's people can read. The run's row is marked in the same
transaction as the decision that ended it, and the call leaves through the outbox with a dedupe key, so neither
a retried event, a second click nor a restart tells Slack twice."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import outbox
from models import Ticket, WorkflowRun

if TYPE_CHECKING:
    from bot.services import Services

COMPLETE_SUCCESS = "functions.completeSuccess"
COMPLETE_ERROR = "functions.completeError"
APPROVED, REJECTED, NOT_REQUIRED, NO_APPROVER, ERROR = "approved", "rejected", "not_required", "no_approver", "error"


def run_of(session: Session, ticket: Ticket) -> WorkflowRun | None:
    return session.scalar(select(WorkflowRun).where(WorkflowRun.ticket_id == ticket.id))


def finished(session: Session, services: Services, ticket: Ticket, outcome: str, *, approver: str | None = None,
             comment: str | None = None) -> None:
    """The request a run became was decided: the workflow goes on with the outcome (no-op for other requests)."""
    run = run_of(session, ticket)
    if run is None or run.finished_at is not None:
        return
    # A confidential request's reason stays in madoguchi: the workflow's next steps may post it anywhere.
    outputs: dict[str, str] = {"outcome": outcome, "ticket_number": ticket.number,
                               "comment": "" if ticket.confidential else (comment or "")}
    if approver:
        outputs["approver"] = approver
    _end(session, services, run, outcome, COMPLETE_SUCCESS, {"outputs": outputs})


def failed(session: Session, services: Services, run: WorkflowRun, reason: str) -> None:
    """The run cannot end in a decision (refused inputs, the request withdrawn): the workflow stops with `reason`."""
    if run.finished_at is not None:
        return
    _end(session, services, run, ERROR, COMPLETE_ERROR, {"error": reason})


def withdrawn(session: Session, services: Services, ticket: Ticket, reason: str) -> None:
    if (run := run_of(session, ticket)) is not None:
        failed(session, services, run, reason)


def _end(session: Session, services: Services, run: WorkflowRun, outcome: str, method: str,
         body: dict[str, object]) -> None:
    run.finished_at = services.clock.now()
    run.outcome = outcome
    outbox.enqueue(session, method, {"function_execution_id": run.execution_id, **body},
                   lane=f"workflow:{run.execution_id}", dedupe_key=f"workflow:{run.execution_id}:end")
