"""Where a request type's approval rules live in the config, and which rule a stored step came from."""

from __future__ import annotations

from datetime import date

from pydantic import ValidationError

from bot.config.approval_rules import ApprovalRule, Condition, in_force
from bot.config.workspace import WorkspaceConfig

_WHEN, _AND = " when ", " and "


def rules_for(config: WorkspaceConfig, type_key: str, on: date | None = None) -> list[ApprovalRule] | None:
    """The rules of request type `type_key` (with `on`: those in force that day, 職務権限 by effective date);
    None when the catalog has no such type."""
    rt = config.request_type(type_key)
    if rt is None:
        return None
    return list(rt.approval) if on is None else in_force(list(rt.approval), on)


def rule_of_step(config: WorkspaceConfig, type_key: str, described: str) -> ApprovalRule | None:
    """The rule a step was built from (a step stores `ApprovalRule.describe()`): the config's rule that
    describes itself the same way, else — the config changed since — the rule read back from the text
    (its conditions, and its label or approver); None when the text cannot be read."""
    for rule in rules_for(config, type_key) or []:
        if rule.describe() == described:
            return rule
    head, _, when = described.partition(_WHEN)
    kind, _, value = head.partition(":")
    approver: dict[str, object]
    if head == "manager":
        approver = {"manager": True}
    elif kind in ("person", "role", "department") and value:
        approver = {kind: value}
    elif kind in ("any_of", "all_of") and value:
        approver = {kind: value.split(",")}
    else:
        # A label: the words are all there is (shown as written, in either language); the approver kind
        # is a stand-in, never shown while a label is.
        approver = {"label": {"ja": head, "en": head}, "manager": True}
    try:
        conditions = [Condition.model_validate(c) for c in when.split(_AND)] if when else []
        return ApprovalRule.model_validate({**approver, "when": conditions})
    except (ValidationError, ValueError):
        return None
