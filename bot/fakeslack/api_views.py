"""views.open / push / update / publish with Slack's stack, hash and trigger-id rules."""

from __future__ import annotations

import copy
from typing import Any

from bot.fakeslack.state import ApiError, FakeWorkspace
from bot.fakeslack.viewshape import complete_view, view_problems

MAX_STACK = 3  # a modal and two pushes


def _view_arg(p: dict[str, Any], expected_type: str) -> dict[str, Any]:
    view = p.get("view")
    if not isinstance(view, dict):
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: view"])
    view = {"type": expected_type, **view} if "type" not in view else view
    problems = view_problems(view)
    if problems:
        raise ApiError("invalid_arguments", problems)
    if view["type"] != expected_type:
        raise ApiError(
            "invalid_arguments", [f"[ERROR] view type must be {expected_type} [json-pointer:/view/type]"]
        )
    return view


def _answer(ws: FakeWorkspace, view: dict[str, Any]) -> dict[str, Any]:
    ws.views[view["id"]] = view
    return {"ok": True, "view": copy.deepcopy(view)}


def open_view(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    view_in = _view_arg(p, "modal")
    user = ws.use_trigger(p.get("trigger_id"))
    view_id = ws.view_ids.next()
    view = complete_view(view_in, view_id=view_id, view_hash=ws.new_hash())
    ws.modal_stacks[user] = [view_id]
    ws.view_owner[view_id] = user
    return _answer(ws, view)


def push_view(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    view_in = _view_arg(p, "modal")
    user = ws.use_trigger(p.get("trigger_id"))
    stack = ws.modal_stacks.get(user)
    if not stack:
        raise ApiError("not_found")
    if len(stack) >= MAX_STACK:
        raise ApiError("push_limit_reached")
    view_id = ws.view_ids.next()
    view = complete_view(
        view_in, view_id=view_id, view_hash=ws.new_hash(), root_view_id=stack[0], previous_view_id=stack[-1]
    )
    stack.append(view_id)
    ws.view_owner[view_id] = user
    return _answer(ws, view)


def _find_view(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    if p.get("view_id"):
        view = ws.views.get(str(p["view_id"]))
    elif p.get("external_id"):
        view = next((v for v in ws.views.values() if v.get("external_id") == p["external_id"]), None)
    else:
        raise ApiError("invalid_arguments", ["[ERROR] either view_id or external_id is required"])
    if view is None:
        raise ApiError("not_found")
    return view


def update_view(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    current = _find_view(ws, p)
    view_in = _view_arg(p, current["type"])
    if p.get("hash") and p["hash"] != current["hash"]:
        raise ApiError("hash_conflict")
    view = complete_view(
        view_in,
        view_id=current["id"],
        view_hash=ws.new_hash(),
        root_view_id=current["root_view_id"],
        previous_view_id=current["previous_view_id"],
    )
    if view["type"] == "home":
        ws.home_views[ws.view_owner[view["id"]]] = view
    return _answer(ws, view)


def publish_view(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    user = str(p.get("user_id") or "")
    if not user:
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: user_id"])
    view_in = _view_arg(p, "home")
    current = ws.home_views.get(user)
    if current is not None and p.get("hash") and p["hash"] != current["hash"]:
        raise ApiError("hash_conflict")
    view_id = current["id"] if current else ws.view_ids.next()
    view = complete_view(view_in, view_id=view_id, view_hash=ws.new_hash())
    ws.home_views[user] = view
    ws.view_owner[view_id] = user
    return _answer(ws, view)
