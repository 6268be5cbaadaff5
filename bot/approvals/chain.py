"""Who approves this request? Pure resolution of a request type's rules against the org directory,
done once at submission time (the chain is then stored, so later org changes do not move it).

A rule whose conditions do not hold produces no step. Nobody approves their own request (職務分掌,
bot.approvals.segregation): the requester is taken out of a step's approvers, and a step that only the
requester could decide is routed to the next approver up — the requester's manager, else the request's
department's approvers — and marks `routed_via` so the flow records and explains it. A step whose
approver already approves at an earlier step (or with nobody above the requester) is *skipped* with
the reason, so the audit trail shows why nobody was asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.approvals.segregation import next_up
from bot.config.approval_rules import ApprovalRule
from bot.config.org import Person
from bot.config.workspace import WorkspaceConfig
from bot.errors import DomainError

# Why a step was skipped; the words live in the i18n catalog under approvals.skip.<code>.
SKIP_REQUESTER = "requester"
SKIP_ALREADY = "already_approves"
SKIP_NO_MANAGER = "no_manager"


class ApprovalConfigError(DomainError):
    """The rules point at a person, role or department the config does not have."""

    key = "approvals.errors.config"

    def __init__(self, problem: str):
        super().__init__(problem, problem=problem)
        self.problem = problem


@dataclass(frozen=True)
class PlannedStep:
    position: int
    rule_label: str
    approvers: list[str]
    skipped_reason: str | None = None
    skip_code: str | None = None
    notes: list[str] = field(default_factory=list)
    routed_via: str | None = None  # set when the requester was the approver: "manager" | "department"

    @property
    def skipped(self) -> bool:
        return self.skipped_reason is not None

    def as_dict(self) -> dict[str, Any]:
        return {"position": self.position, "rule": self.rule_label, "approvers": self.approvers,
                "skipped": self.skipped, "skipped_reason": self.skipped_reason, "skip_code": self.skip_code,
                "notes": self.notes, "routed_via": self.routed_via}


def build_chain(
    rules: Sequence[ApprovalRule], config: WorkspaceConfig, requester_slack_id: str, fields: dict[str, Any],
    department: str | None = None,
) -> list[PlannedStep]:
    """`department` is the request's department: whose approvers decide when nobody is above the requester."""
    steps: list[PlannedStep] = []
    approving: dict[str, int] = {}  # approver → the first step where they decide
    for rule in rules:
        if not rule.applies(fields):
            continue
        position = len(steps) + 1
        label = rule.describe()
        people, notes = _resolve(rule, config, requester_slack_id)
        if not people:
            steps.append(PlannedStep(position, label, [], "the requester has no manager in the org directory",
                                     SKIP_NO_MANAGER, notes))
            continue
        candidates = [p for p in people if p != requester_slack_id]  # whatever rule.skip_requester says
        routed_via = None
        if not candidates:
            instead = next_up(config, requester_slack_id, department, [requester_slack_id])
            if instead is None:
                steps.append(PlannedStep(position, label, people,
                                         "the approver is the requester, and nobody is above them",
                                         SKIP_REQUESTER, notes))
                continue
            candidates, routed_via = instead.approvers, instead.via
        fresh = [p for p in candidates if p not in approving]
        if not fresh:
            earlier = min(approving[p] for p in candidates)
            why = "the approver is the requester; the next approver up" if routed_via else "the approver"
            steps.append(PlannedStep(position, label, candidates, f"{why} already approves at step {earlier}",
                                     SKIP_REQUESTER if routed_via else SKIP_ALREADY, notes))
            continue
        for person in fresh:
            approving.setdefault(person, position)
        steps.append(PlannedStep(position, label, fresh, None, None, notes, routed_via))
    return steps


def _resolve(rule: ApprovalRule, config: WorkspaceConfig, requester: str) -> tuple[list[str], list[str]]:
    """Slack ids of the people a rule names (any one of them decides), and notes on how."""
    org = config.org
    if rule.kind == "manager":
        return _manager(config, requester)
    if rule.kind == "person":
        person = org.by_key(rule.person or "")
        if person is None:
            raise ApprovalConfigError(f"unknown person {rule.person!r} in rule {rule.describe()!r}")
        return _reachable([person], rule), []
    if rule.kind == "role":
        holders = org.with_role(rule.role or "")
        if not holders:
            raise ApprovalConfigError(f"nobody holds role {rule.role!r} (rule {rule.describe()!r})")
        return _reachable(holders, rule), []
    if rule.kind == "department":
        department = config.department(rule.department or "")
        if department is None:
            raise ApprovalConfigError(f"unknown department {rule.department!r} in rule {rule.describe()!r}")
        people = [org.by_key(k) for k in department.approvers]
        if not department.approvers:
            raise ApprovalConfigError(f"department {department.key!r} has no approvers (rule {rule.describe()!r})")
        return _reachable([p for p in people if p is not None], rule), []
    unknown = [k for k in rule.any_of or [] if org.by_key(k) is None]
    if unknown:
        raise ApprovalConfigError(f"unknown people {unknown} in rule {rule.describe()!r}")
    return _reachable([p for k in rule.any_of or [] if (p := org.by_key(k))], rule), []


def _reachable(people: list[Person], rule: ApprovalRule) -> list[str]:
    ids = [p.slack_id for p in people if p.slack_id]
    if not ids:
        raise ApprovalConfigError(f"nobody named by rule {rule.describe()!r} has a Slack id")
    return list(dict.fromkeys(ids))


def _manager(config: WorkspaceConfig, requester: str) -> tuple[list[str], list[str]]:
    """The requester's manager; when that person has no Slack account, their manager, and so on."""
    me = config.person_for_slack_id(requester)
    if me is None:
        raise ApprovalConfigError(f"requester {requester} is not in the org directory, so their manager is unknown")
    notes: list[str] = []
    key = me.manager
    seen = {me.key}
    while key is not None and key not in seen:
        seen.add(key)
        boss = config.org.by_key(key)
        if boss is None:
            break
        if boss.slack_id:
            return [boss.slack_id], notes
        notes.append(f"{boss.key} has no Slack account; asked their manager instead")
        key = boss.manager
    return [], notes
