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
from bot.config.approval_rules import GROUP_PREFIXES, ApprovalRule
from bot.config.org import Person
from bot.config.workspace import WorkspaceConfig
from bot.errors import DomainError

# Why a step was skipped; the words live in the i18n catalog under approvals.skip.<code>.
SKIP_REQUESTER = "requester"
SKIP_ALREADY = "already_approves"
SKIP_NO_MANAGER = "no_manager"
SKIP_NOBODY_TO_INFORM = "nobody_to_inform"

# How the rows at one position decide (ApprovalStep.mode).
ANY, ALL, FYI = "any", "all", "fyi"


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
    part: int = 1  # 合議 / 回付: one planned step per member at this position, numbered from 1
    mode: str = ANY

    @property
    def skipped(self) -> bool:
        return self.skipped_reason is not None

    def as_dict(self) -> dict[str, Any]:
        return {"position": self.position, "part": self.part, "mode": self.mode, "rule": self.rule_label,
                "approvers": self.approvers, "skipped": self.skipped, "skipped_reason": self.skipped_reason,
                "skip_code": self.skip_code, "notes": self.notes, "routed_via": self.routed_via}


def build_chain(
    rules: Sequence[ApprovalRule], config: WorkspaceConfig, requester_slack_id: str, fields: dict[str, Any],
    department: str | None = None,
) -> list[PlannedStep]:
    """`department` is the request's department: whose approvers decide when nobody is above the requester.

    One planned step per position, except a 合議 (all_of: one per entry, each with the approvers who may
    decide for it) and a 回付 (fyi: one per person informed), whose parts share their position."""
    steps: list[PlannedStep] = []
    approving: dict[str, int] = {}  # approver → the first step where they decide
    position = 0
    for rule in rules:
        if not rule.applies(fields):
            continue
        position += 1
        label = rule.describe()
        if rule.fyi:
            steps.extend(_informed(rule, config, requester_slack_id, position, label))
            continue
        if rule.kind == "all_of":
            groups = [(_group(entry, rule, config), []) for entry in rule.all_of or []]
            mode = ALL
        else:
            groups = [_resolve(rule, config, requester_slack_id)]
            mode = ANY
        for part, (people, notes) in enumerate(groups, 1):
            steps.append(_deciding(position, part, mode, label, people, notes, config, requester_slack_id,
                                   department, approving))
    return steps


def _deciding(position: int, part: int, mode: str, label: str, people: list[str], notes: list[str],
              config: WorkspaceConfig, requester: str, department: str | None,
              approving: dict[str, int]) -> PlannedStep:
    """One deciding part: never the requester (routed up, or skipped), never someone who already decides
    at an earlier step (skipped, so one person does not approve the same request twice)."""
    if not people:
        return PlannedStep(position, label, [], "the requester has no manager in the org directory",
                           SKIP_NO_MANAGER, notes, part=part, mode=mode)
    candidates = [p for p in people if p != requester]  # whatever rule.skip_requester says
    routed_via = None
    if not candidates:
        instead = next_up(config, requester, department, [requester])
        if instead is None:
            return PlannedStep(position, label, people, "the approver is the requester, and nobody is above them",
                               SKIP_REQUESTER, notes, part=part, mode=mode)
        candidates, routed_via = instead.approvers, instead.via
    fresh = [p for p in candidates if p not in approving]
    if not fresh:
        earlier = min(approving[p] for p in candidates)
        why = "the approver is the requester; the next approver up" if routed_via else "the approver"
        return PlannedStep(position, label, candidates, f"{why} already approves at step {earlier}",
                           SKIP_REQUESTER if routed_via else SKIP_ALREADY, notes, part=part, mode=mode)
    for person in fresh:
        approving.setdefault(person, position)
    return PlannedStep(position, label, fresh, None, None, notes, routed_via, part=part, mode=mode)


def _informed(rule: ApprovalRule, config: WorkspaceConfig, requester: str, position: int,
              label: str) -> list[PlannedStep]:
    """回付: everyone the rule names but the requester, one part each (each confirms for themselves)."""
    if rule.kind == "all_of":
        named = [p for entry in rule.all_of or [] for p in _group(entry, rule, config)]
    else:
        named = _resolve(rule, config, requester)[0]
    people = [p for p in dict.fromkeys(named) if p != requester]
    if not people:
        return [PlannedStep(position, label, named, "nobody to inform but the requester", SKIP_NOBODY_TO_INFORM,
                            mode=FYI)]
    return [PlannedStep(position, label, [p], part=part, mode=FYI) for part, p in enumerate(people, 1)]


def _group(entry: str, rule: ApprovalRule, config: WorkspaceConfig) -> list[str]:
    """One entry of an all_of: a person key, department:<key> (its approvers) or role:<role> (its holders)."""
    kind, _, name = entry.partition(":") if entry.startswith(GROUP_PREFIXES) else ("person", "", entry)
    if kind == "department":
        found = config.department(name)
        if found is None or not found.approvers:
            raise ApprovalConfigError(f"department {name!r} has no approvers (rule {rule.describe()!r})")
        return _reachable([p for k in found.approvers if (p := config.org.by_key(k))], rule)
    if kind == "role":
        holders = config.org.with_role(name)
        if not holders:
            raise ApprovalConfigError(f"nobody holds role {name!r} (rule {rule.describe()!r})")
        return _reachable(holders, rule)
    person = config.org.by_key(entry)
    if person is None:
        raise ApprovalConfigError(f"unknown person {entry!r} in rule {rule.describe()!r}")
    return _reachable([person], rule)


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
