"""Where a request type's approval rules live in the config."""

from __future__ import annotations

from bot.config.approval_rules import ApprovalRule
from bot.config.workspace import WorkspaceConfig


def rules_for(config: WorkspaceConfig, type_key: str) -> list[ApprovalRule] | None:
    """The rules of request type `type_key`; None when the catalog has no such type."""
    rt = config.request_type(type_key)
    return None if rt is None else list(rt.approval)
