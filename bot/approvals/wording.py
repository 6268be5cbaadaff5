"""Why a step is with its approver, in the reader's words: 「金額が10万円以上のため経理責任者の承認が必要です」
/ "Finance lead approval is needed because the amount is ¥100,000 or more." — never the rule text
(`amount >= 100000`) the config is written in.

Pure functions of a rule, a locale and the request type's fields. `condition_text` is the one place a
condition (or a range: a lower and an upper bound on the same field) becomes words; `step_reason`
adds whose approval it is."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.config.approval_rules import GROUP_PREFIXES, ApprovalRule, Condition, as_number
from bot.i18n import t
from bot.i18n.mrkdwn import Mrkdwn, trusted

if TYPE_CHECKING:
    from bot.config.catalog import FormField, RequestType
    from bot.config.workspace import WorkspaceConfig

_OPS = {">=": "ge", ">": "gt", "<=": "le", "<": "lt", "==": "eq", "!=": "ne", "in": "in"}
_LOWER, _UPPER = (">=", ">"), ("<=", "<")


@dataclass(frozen=True)
class Range:
    """`amount >= 100000` and `amount < 1000000` in one rule, read together: 「10万円以上100万円未満」."""

    low: Condition
    high: Condition

    @property
    def field(self) -> str:
        return self.low.field


def amount_words(value: Any, locale: str) -> str:
    """Yen as people write them: 10万円 / 1億5,000万円 in Japanese, ¥100,000 in English."""
    number = as_number(value)
    if number is None:
        return str(value)
    if number != number.to_integral_value() or number < 0:
        return f"{number:,}円" if locale == "ja" else f"¥{number:,}"
    n = int(number)
    if locale != "ja":
        return f"¥{n:,}"
    oku, rest = divmod(n, 100_000_000)
    man, yen = divmod(rest, 10_000)
    parts = [f"{oku:,}億" if oku else "", f"{man:,}万" if man else "", f"{yen:,}" if yen or not (oku or man) else ""]
    return "".join(parts) + "円"


def _label(field: FormField | None, key: str, locale: str) -> str:
    """The field's label without its parenthesised note (「金額（税込）」 → 「金額」), lower-cased in English
    (it is read mid-sentence). A field the form does not have reads as its key in words."""
    text = field.label.get(locale) if field is not None else key.replace("_", " ")
    for opening in ("（", " ("):
        text = text.split(opening)[0].strip() or text
    if locale != "ja" and text[:1].isupper() and not text[1:2].isupper():
        text = text[:1].lower() + text[1:]
    return text


def _value(value: Any, field: FormField | None, locale: str) -> str:
    """A bound or a compared value: yen for amounts, grouped digits for numbers, option labels quoted."""
    if field is not None and field.type == "amount":
        return amount_words(value, locale)
    if field is not None and field.options:
        return t(locale, "approvals.why.option", value=field.option_label(str(value), locale))
    number = as_number(value) if not isinstance(value, str) or (field is not None and field.type == "number") else None
    if number is not None:
        return f"{number:,}"
    return t(locale, "approvals.why.option", value=str(value))


def condition_text(condition: Condition | Range, locale: str, field: FormField | None) -> Mrkdwn:
    """One condition (or range) in words: 「金額が10万円以上」 / "the amount is ¥100,000 or more"."""
    label = _label(field, condition.field, locale)
    if isinstance(condition, Range):
        key = f"approvals.why.range_{_OPS[condition.low.op]}_{_OPS[condition.high.op]}"
        return t(locale, key, field=label, low=_value(condition.low.value, field, locale),
                 high=_value(condition.high.value, field, locale))
    if condition.op == "in":
        values = [_value(v, field, locale) for v in condition.value]
        return t(locale, "approvals.why.in", field=label, values=trusted(t(locale, "approvals.why.or").join(values)))
    return t(locale, f"approvals.why.{_OPS[condition.op]}", field=label, value=_value(condition.value, field, locale))


def _ranges(conditions: Sequence[Condition]) -> list[Condition | Range]:
    """A lower and an upper bound on the same field become one Range, in the place of the first."""
    out: list[Condition | Range] = []
    used: set[int] = set()
    for i, c in enumerate(conditions):
        if i in used:
            continue
        if c.op in _LOWER + _UPPER:
            wanted = _UPPER if c.op in _LOWER else _LOWER
            j = next((j for j, d in enumerate(conditions)
                      if j > i and j not in used and d.field == c.field and d.op in wanted), None)
            if j is not None:
                used.add(j)
                out.append(Range(c, conditions[j]) if c.op in _LOWER else Range(conditions[j], c))
                continue
        out.append(c)
    return out


def conditions_text(conditions: Sequence[Condition], locale: str, rt: RequestType | None) -> Mrkdwn:
    """A rule's conditions (all must hold), joined: 「費目が「交通費」、金額が3万円以上」."""
    parts = [condition_text(c, locale, rt.field(c.field) if rt is not None else None) for c in _ranges(conditions)]
    return trusted(t(locale, "approvals.why.and").join(parts))


def _who(rule: ApprovalRule, locale: str, config: WorkspaceConfig) -> Mrkdwn:
    """Whose approval, in words: the rule's label when it has one in this language (a Japanese-only
    label serves English readers only when it is plain ASCII, e.g. "CFO"), else by kind."""
    label = rule.label
    if label is not None and (locale == "ja" or label.en or label.ja.isascii()):
        return t(locale, "approvals.why.who_label", label=label.get(locale))
    if rule.kind == "manager":
        return t(locale, "approvals.why.who_manager")
    if rule.kind == "role":  # the role's key, in words
        words = (rule.role or "").replace("_", " ")
        return t(locale, "approvals.why.who_label", label=words if locale == "ja" else words[:1].upper() + words[1:])
    if rule.kind == "department":
        department = config.department(rule.department or "")
        name = department.name.get(locale) if department is not None else rule.department
        return t(locale, "approvals.why.who_department", department=name)
    if rule.kind == "all_of":  # 合議: each entry a person, a department or a role
        separator = t(locale, "approvals.why.people_separator")
        return t(locale, "approvals.why.who_all_of",
                 names=trusted(separator.join(_entry(entry, locale, config) for entry in rule.all_of or [])))
    people = [rule.person or ""] if rule.kind == "person" else list(rule.any_of or [])
    names = [p.name if (p := config.org.by_key(k)) is not None else k for k in people]
    if rule.kind == "person":
        return t(locale, "approvals.why.who_person", name=names[0])
    separator = t(locale, "approvals.why.people_separator")
    return t(locale, "approvals.why.who_any_of",
             names=trusted(separator.join(t(locale, "approvals.why.person", name=n) for n in names)))


def _entry(entry: str, locale: str, config: WorkspaceConfig) -> str:
    """One member of a 合議 in words: 「佐藤 健 さん」, 「法務部」, 「cfo」."""
    kind, _, name = entry.partition(":") if entry.startswith(GROUP_PREFIXES) else ("person", "", entry)
    if kind == "department":
        department = config.department(name)
        return department.name.get(locale) if department is not None else name
    if kind == "role":
        words = name.replace("_", " ")
        return words if locale == "ja" else words[:1].upper() + words[1:]
    person = config.org.by_key(entry)
    return t(locale, "approvals.why.person", name=person.name if person is not None else entry)


def step_reason(rule: ApprovalRule, locale: str, rt: RequestType | None, config: WorkspaceConfig) -> Mrkdwn:
    """Why the step exists: whose approval, and the conditions that brought it in (when it has some)."""
    who = _who(rule, locale, config)
    if not rule.when:
        return t(locale, "approvals.why.always", who=who)
    return t(locale, "approvals.why.because", who=who, conditions=conditions_text(rule.when, locale, rt))


# Why a step was skipped, as bot.approvals.chain and .flow record it on the step (in English, for
# the audit trail); read back here into the reader's words. Anything else (a reminder's note) is
# shown as written.
_SKIPS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"approved in round (?P<round>\d+) by (?P<who>\S+)"), "carried"),
    (re.compile(r"the requester has no manager in the org directory"), "no_manager"),
    (re.compile(r"the approver is the requester, and nobody is above them"), "requester"),
    (re.compile(r"the approver is the requester; the next approver up already approves at step (?P<step>\d+)"),
     "requester_already"),
    (re.compile(r"the approver already approves at step (?P<step>\d+)"), "already_approves"),
    (re.compile(r"nobody to inform but the requester"), "nobody_to_inform"),
    (re.compile(r"informed in round (?P<round>\d+)"), "carried_informed"),
]


def skip_reason(recorded: str, locale: str, name: Callable[[str], str]) -> Mrkdwn:
    """A skipped step's recorded reason in words: 「第1回で 佐藤 健 が承認済みのためスキップ」."""
    for pattern, code in _SKIPS:
        match = pattern.fullmatch(recorded.strip())
        if match:
            params = match.groupdict()
            if "who" in params:
                params["who"] = name(params["who"])
            return t(locale, f"approvals.skip.{code}", **params)
    return t(locale, "approvals.skip.other", reason=recorded)
