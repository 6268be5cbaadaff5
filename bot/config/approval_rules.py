"""Approval rules (職務権限) as data: the ordered steps of a request type's approval chain.

Each rule names who approves — exactly one of:

    manager: true            the requester's manager (org directory); walks up the chain when the
                             manager has no Slack account or is absent from the directory
    person: fin_lead         a named person (person key)
    role: finance_lead       whoever holds the role (any one of them when several do)
    department: finance      that department's approvers (any one of them)
    any_of: [a, b]           any one of a group of people
    all_of: [a, department:legal, role:cfo]
                             合議: each entry must approve — a person, or a department's approvers or a
                             role's holders (any one of whom decides for that entry); a 差戻し or 却下
                             from any of them decides the whole step

and, with any of these, `fyi: true` makes the step a 回付: everyone it names is informed with the
request's summary and a 確認しました button (recorded as 確認済み), nobody decides, and the chain goes on
without waiting;

optionally a label, whose approval it is as people say it — one string or both languages
(`label: {ja: 経理責任者, en: Finance lead}`); approvers read why a step is theirs from the label
and the conditions in words (bot.approvals.wording), never the rule text — and optionally when it
applies (`when`, all conditions must hold) on the form's fields:

    when: ["amount >= 100000"]                      # or ≥ > ≤ < == != in
    when: [{field: category, op: in, value: [pc, phone]}]

Example (expense): manager always; finance lead from ¥100,000; CFO from ¥1,000,000.

A rule may carry the period it is in force (職務権限規程の改定): `effective_from` and/or `effective_until` (both
days included). A request is judged by the rules in force on the day it was submitted, also when it comes back
after a 差戻し, so a revision never disturbs requests in flight. The versions of one step (rules with the same
label, else the same approver) must neither overlap nor leave a gap (`config check`):

    - {label: CFO, role: cfo, when: "amount >= 1000000", effective_until: 2027-03-31}
    - {label: CFO, role: cfo, when: "amount >= 500000", effective_from: 2027-04-01}
Nobody approves their own request (職務分掌): a step whose approver is the requester goes to the
requester's manager (else the department's approvers), and the routing is recorded and explained.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

from bot.config.text import LocalizedText
from bot.i18n.numbers import parse_amount

Operator = Literal[">=", ">", "<=", "<", "==", "!=", "in"]
_ALIASES = {"≥": ">=", "≤": "<=", "=": "==", "≠": "!="}
_CONDITION = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|==|!=|≥|≤|≠|>|<|=|\bin\b)\s*(.+?)\s*$")


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    op: Operator
    value: Any

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: object) -> object:
        # "amount >= 100000" reads like the policy document it comes from.
        if isinstance(value, str):
            match = _CONDITION.match(value)
            if not match:
                raise ValueError(f"cannot read condition {value!r}; write e.g. 'amount >= 100000'")
            field, op, raw = match.groups()
            return {"field": field, "op": op, "value": yaml.safe_load(raw)}
        if isinstance(value, dict) and isinstance(value.get("op"), str):
            return {**value, "op": _ALIASES.get(value["op"], value["op"])}
        return value

    @field_validator("op", mode="before")
    @classmethod
    def _alias(cls, value: object) -> object:
        return _ALIASES.get(value, value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _in_needs_a_list(self) -> Condition:
        if self.op == "in" and not isinstance(self.value, list):
            raise ValueError("'in' needs a list, e.g. category in [pc, phone]")
        return self

    def holds(self, fields: dict[str, Any]) -> bool:
        """A condition on a field the form left empty does not hold."""
        actual = fields.get(self.field)
        if actual is None or actual == "":
            return False
        if self.op == "in":
            values = actual if isinstance(actual, list) else [actual]
            return any(_same(v, option) for v in values for option in self.value)
        if self.op == "==":
            return _same(actual, self.value)
        if self.op == "!=":
            return not _same(actual, self.value)
        left, right = as_number(actual), as_number(self.value)
        if left is None or right is None:
            return False
        return {">=": left >= right, ">": left > right, "<=": left <= right, "<": left < right}[self.op]

    def describe(self) -> str:
        return f"{self.field} {self.op} {self.value}"


def as_number(value: Any) -> Decimal | None:
    """Amounts arrive as ints from the form, or as text such as "¥300,000" from older records; read by the
    one amount parser (bot/i18n/numbers.py)."""
    return parse_amount(value)


def _same(left: Any, right: Any) -> bool:
    a, b = as_number(left), as_number(right)
    if a is not None and b is not None:
        return a == b
    return str(left) == str(right)


APPROVER_KINDS = ("manager", "person", "role", "department", "any_of", "all_of")
GROUP_PREFIXES = ("department:", "role:")  # an all_of entry naming a group rather than a person


class ApprovalRule(BaseModel):
    """One step of a chain: who approves, and when the step applies."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: LocalizedText | None = Field(default=None, description=(
        "whose approval, as people say it: 経理責任者 or {ja: 経理責任者, en: Finance lead}; shown to approvers"))
    manager: bool = False
    person: str | None = None
    role: str | None = None
    department: str | None = None
    any_of: list[str] | None = None
    all_of: list[str] | None = Field(default=None, description=(
        "合議: every entry approves — a person key, department:<key> or role:<role>"))
    fyi: bool = Field(default=False, description="回付: inform the people named; nobody decides, the chain goes on")
    when: list[Condition] = Field(default_factory=list)
    effective_from: date | None = Field(default=None, description="first day the rule is in force (included)")
    effective_until: date | None = Field(default=None, description="last day the rule is in force (included)")
    skip_requester: bool = Field(default=True, description=(
        "kept for older config files; the requester is never an approver of their own request, whatever it says"))

    @field_validator("when", mode="before")
    @classmethod
    def _single_condition(cls, value: object) -> object:
        return [value] if isinstance(value, str | dict) else value

    @model_validator(mode="after")
    def _exactly_one_approver(self) -> ApprovalRule:
        chosen = [k for k in APPROVER_KINDS if getattr(self, k) not in (None, False)]
        if len(chosen) != 1:
            raise ValueError(f"name exactly one approver: one of {', '.join(APPROVER_KINDS)} (got {chosen or 'none'})")
        if self.any_of is not None and not self.any_of:
            raise ValueError("any_of needs at least one person")
        if self.all_of is not None:
            if len(self.all_of) < 2:
                raise ValueError("all_of (合議) needs at least two entries; one approver is person, department or role")
            if len(set(self.all_of)) != len(self.all_of):
                raise ValueError("all_of names an entry twice")
        if self.effective_from and self.effective_until and self.effective_until < self.effective_from:
            raise ValueError(f"effective_until {self.effective_until} is before effective_from {self.effective_from}")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in APPROVER_KINDS if getattr(self, k) not in (None, False))

    def describe(self) -> str:
        """What produced a step, e.g. "role:finance_lead when amount >= 100000"."""
        if self.label:
            head = self.label.ja
        elif self.kind == "manager":
            head = "manager"
        elif self.kind in ("any_of", "all_of"):
            head = f"{self.kind}:" + ",".join(getattr(self, self.kind) or [])
        else:
            head = f"{self.kind}:{getattr(self, self.kind)}"
        if self.when:
            head += " when " + " and ".join(c.describe() for c in self.when)
        return head

    def applies(self, fields: dict[str, Any]) -> bool:
        return all(c.holds(fields) for c in self.when)

    def in_force(self, day: date) -> bool:
        return (self.effective_from is None or self.effective_from <= day) and (
            self.effective_until is None or day <= self.effective_until)

    @property
    def step_name(self) -> str:
        """Which step of the chain this rule is a version of: its label, else its approver."""
        return self.describe().partition(" when ")[0]

    def period(self) -> str:
        """「2027-04-01〜」, 「〜2027-03-31」, 「2026-04-01〜2027-03-31」, or 「always」."""
        if self.effective_from is None and self.effective_until is None:
            return "always"
        return f"{self.effective_from or ''}〜{self.effective_until or ''}"


RULES = TypeAdapter(list[ApprovalRule])


def parse_rules(data: Any) -> list[ApprovalRule]:
    return RULES.validate_python(data or [])


def in_force(rules: list[ApprovalRule], day: date) -> list[ApprovalRule]:
    """The rules in force on `day`, in chain order."""
    return [rule for rule in rules if rule.in_force(day)]


def period_problems(rules: list[ApprovalRule], path: str):
    """Versions of one step whose periods overlap or leave a gap, as (key path, message)."""
    versions: dict[str, list[tuple[int, ApprovalRule]]] = {}
    for j, rule in enumerate(rules):
        versions.setdefault(rule.step_name, []).append((j, rule))
    for name, dated in versions.items():
        if len(dated) < 2 or not any(rule.period() != "always" for _, rule in dated):
            continue  # one rule, or several undated ones for different cases (their `when`): not versions
        ordered = sorted(dated, key=lambda item: item[1].effective_from or date.min)
        for (_, before), (j, after) in itertools.pairwise(ordered):
            ends = before.effective_until or date.max
            starts = after.effective_from or date.min
            if starts <= ends:
                yield f"{path}[{j}]", (f"step {name!r}: in force {after.period()}, overlapping the version in force "
                                       f"{before.period()}; end one the day before the other starts")
            elif starts - timedelta(days=1) > ends:
                yield f"{path}[{j}]", (f"step {name!r}: a gap from {ends + timedelta(days=1)} to "
                                       f"{starts - timedelta(days=1)} between its versions; no rule for this step "
                                       "would apply to requests submitted then")


def approver_problems(rules: list[ApprovalRule], path: str, org: Any, departments: list[Any]):
    """Rules naming people, roles or departments the config lacks, as (key path, message)."""
    people = {p.key: p for p in org.people}
    dept = {d.key: d for d in departments}
    for j, rule in enumerate(rules):
        where = f"{path}[{j}]"
        if rule.person is not None and rule.person not in people:
            yield f"{where}.person", f"unknown person {rule.person!r}"
        if rule.role is not None and not any(rule.role in p.roles for p in org.people):
            yield f"{where}.role", f"nobody holds role {rule.role!r}"
        if rule.department is not None:
            if rule.department not in dept:
                yield f"{where}.department", f"unknown department {rule.department!r}"
            elif not dept[rule.department].approvers:
                yield f"{where}.department", f"department {rule.department!r} has no approvers"
        for k, key in enumerate(rule.any_of or []):
            if key not in people:
                yield f"{where}.any_of[{k}]", f"unknown person {key!r}"
        for k, entry in enumerate(rule.all_of or []):
            kind, _, name = entry.partition(":") if entry.startswith(GROUP_PREFIXES) else ("person", "", entry)
            if kind == "person" and entry not in people:
                yield f"{where}.all_of[{k}]", f"unknown person {entry!r}"
            elif kind == "role" and not any(name in p.roles for p in org.people):
                yield f"{where}.all_of[{k}]", f"nobody holds role {name!r}"
            elif kind == "department" and (name not in dept or not dept[name].approvers):
                yield f"{where}.all_of[{k}]", (f"unknown department {name!r}" if name not in dept
                                               else f"department {name!r} has no approvers")
