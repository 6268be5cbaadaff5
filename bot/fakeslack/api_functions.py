"""functions.completeSuccess / functions.completeError: a Workflow Builder step run by this app ends.

Shaped like Slack's reference: `function_execution_id` is required; completeSuccess takes `outputs` (an object
matching the step's declared output parameters), completeError an `error` string shown to the workflow's
people. An execution that is not running any more answers `execution_not_in_running_state`; an unknown one
`function_execution_not_found`; missing required outputs `parameter_validation_failed`."""

from __future__ import annotations

from typing import Any

from bot.fakeslack.state import ApiError, FakeWorkspace


def _running(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    execution = ws.function_executions.get(str(p.get("function_execution_id") or ""))
    if execution is None:
        raise ApiError("function_execution_not_found")
    if execution["state"] != "running":
        raise ApiError("execution_not_in_running_state")
    return execution


def complete_success(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    execution = _running(ws, p)
    outputs = p.get("outputs")
    if not isinstance(outputs, dict):
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: outputs"])
    missing = [o["name"] for o in execution["function"]["output_parameters"]
               if o.get("is_required") and outputs.get(o["name"]) in (None, "")]
    if missing:
        raise ApiError("parameter_validation_failed", [f"[ERROR] missing required output: {name}" for name in missing])
    execution.update(state="completed", outputs=dict(outputs))
    return {"ok": True}


def complete_error(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    execution = _running(ws, p)
    error = p.get("error")
    if not isinstance(error, str) or not error.strip():
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: error"])
    execution.update(state="failed", error=error)
    return {"ok": True}
