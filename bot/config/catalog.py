"""The request catalog (申請種別) as data: each request type's form, evidence rules, SLA, routing,
confidentiality, approval rules and follow-up tickets. Adding a request type needs no Python.

    - key: expense
      name: {ja: 経費精算, en: Expense claim}
      department: finance            # or "auto": routed from the text (keywords, FAQ, fallback)
      fields:
        - {key: amount, type: amount, label: {ja: 金額, en: Amount}, required: true, min: 1}
        - {key: receipt_url, type: url, label: {ja: 領収書, en: Receipt}}
      evidence:
        - {field: receipt_url, when: ["amount >= 30000"], message: {ja: 3万円以上は領収書が必要です, en: …}}
      sla: {first_response_hours: 8, resolution_hours: 40}   # business hours
      approval: [{manager: true}]      # filled by the approvals work (bot/config/approval_rules.py)
"""

from __future__ import annotations

import re
import string
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.config.approval_rules import ApprovalRule, Condition
from bot.config.departments import RoutingKeywords
from bot.config.evidence import DOCUMENT_KINDS, DocumentKind
from bot.config.journal import JournalSpec
from bot.config.text import LocalizedText
from bot.views.blocks import BUTTON_TEXT_MAX, OPTIONS_MAX, TEXT_MAX

KEY = r"^[a-z][a-z0-9_]*$"
AUTO = "auto"

FieldType = Literal[
    "text", "textarea", "number", "amount", "date", "user", "select", "multiselect", "checkboxes", "url", "email",
    "department", "invoice_number", "file",
]
CHOICE_TYPES = frozenset({"select", "multiselect", "checkboxes"})
TEXT_TYPES = frozenset({"text", "textarea"})
# Slack's limits have one home, bot/views/blocks.py; a form's fields stay well under a modal's 100 blocks.
MAX_OPTION_TEXT = BUTTON_TEXT_MAX
MAX_OPTIONS = OPTIONS_MAX
MAX_FIELDS = 40
MAX_TEXT_INPUT = TEXT_MAX
MAX_FILES = 10  # a file_input holds at most 10 files (Slack)


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    value: str = Field(pattern=r"^[A-Za-z0-9_\-.]{1,150}$")
    label: LocalizedText

    @field_validator("label")
    @classmethod
    def _fits_slack(cls, label: LocalizedText) -> LocalizedText:
        for text in (label.ja, label.en):
            if text and len(text) > MAX_OPTION_TEXT:
                raise ValueError(f"option text is at most {MAX_OPTION_TEXT} characters in Slack")
        return label


class FormField(BaseModel):
    """One input of a form.

    `min`/`max` mean: the value (number, amount), the length (text, textarea), days from today
    (date; 0 = not before today) or the number of choices (multiselect, checkboxes)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=KEY)
    type: FieldType
    label: LocalizedText
    help: LocalizedText | None = Field(default=None, description="hint shown under the input")
    placeholder: LocalizedText | None = None
    required: bool = False
    min: float | None = None
    max: float | None = None
    integer: bool = Field(default=True, description="number fields: whole numbers only")
    pattern: str | None = Field(default=None, description="text fields: a regular expression the value must match")
    pattern_message: LocalizedText | None = None
    options: list[Option] = Field(default_factory=list)
    not_before: str | None = Field(default=None, description="date fields: key of a date field this is not before")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _consistent(self) -> FormField:
        if self.type in CHOICE_TYPES and not self.options:
            raise ValueError(f"a {self.type} field needs options")
        if self.type not in CHOICE_TYPES and self.options:
            raise ValueError(f"options are only for {', '.join(sorted(CHOICE_TYPES))} fields")
        if len(self.options) > MAX_OPTIONS:
            raise ValueError(f"at most {MAX_OPTIONS} options (a Slack limit)")
        values = [o.value for o in self.options]
        if len(set(values)) != len(values):
            raise ValueError("option values must be unique")
        if self.pattern is not None and self.type not in TEXT_TYPES:
            raise ValueError("pattern is only for text and textarea fields")
        if self.not_before is not None and self.type != "date":
            raise ValueError("not_before is only for date fields")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        if self.type in TEXT_TYPES and self.max is not None and self.max > MAX_TEXT_INPUT:
            raise ValueError(f"text inputs hold at most {MAX_TEXT_INPUT} characters in Slack")
        if self.type == "file" and (self.max is not None and not 1 <= self.max <= MAX_FILES):
            raise ValueError(f"a file field holds 1 to {MAX_FILES} files (max) in Slack")
        return self

    def option_label(self, value: str, locale: str) -> str:
        option = next((o for o in self.options if o.value == value), None)
        return option.label.get(locale) if option else value


class EvidenceRule(BaseModel):
    """Evidence a request must carry when its conditions hold, e.g. a receipt link from ¥30,000."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str = Field(pattern=KEY, description="the field that carries the evidence (the error shows there)")
    alternatives: list[str] = Field(default_factory=list, description="other fields that carry it as well "
                                    "(e.g. a receipt file or a link to it): any one filled is enough")
    when: list[Condition] = Field(default_factory=list, description="all must hold; empty = always")
    message: LocalizedText

    @field_validator("when", mode="before")
    @classmethod
    def _single_condition(cls, value: object) -> object:
        return [value] if isinstance(value, str | dict) else value

    def applies(self, values: dict[str, object]) -> bool:
        return all(c.holds(values) for c in self.when)


class SlaTargets(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    first_response_hours: float = Field(default=8, gt=0, description="business hours until someone picks it up")
    resolution_hours: float = Field(default=40, gt=0, description="business hours until it is resolved")
    close_unrated_after_hours: float = Field(
        default=40, gt=0, description="business hours a resolved ticket waits for its rating before it closes")


class DepartmentBy(BaseModel):
    """Route by a select field's value, e.g. PCs to IT and stationery to general affairs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str = Field(pattern=KEY)
    values: dict[str, str] = Field(description="option value → department key")


class MappedValue(BaseModel):
    # populate_by_name: a dumped config (from_) validates again, as tests and tools round-trip it.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: str = Field(alias="from", pattern=KEY)
    map: dict[str, str] = Field(default_factory=dict, description="source value → target value; unmapped = as is")


class FollowUp(BaseModel):
    """A linked ticket opened when this one reaches its desk (e.g. onboarding → IT accounts).

    `fields` gives each target field either a template over this form's fields ("{person_name}") or
    a value mapped from one of them ({from: kind, map: {onboarding: create}})."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    request_type: str = Field(pattern=KEY)
    when: list[Condition] = Field(default_factory=list)
    fields: dict[str, str | MappedValue] = Field(default_factory=dict)

    @field_validator("when", mode="before")
    @classmethod
    def _single_condition(cls, value: object) -> object:
        return [value] if isinstance(value, str | dict) else value


class Away(BaseModel):
    """A request that takes its requester away (休暇). Once it is approved, an approver's own approvals go to
    their deputy (org.people[].deputy, else their manager) for those days: an ordinary delegation, announced to
    both and cancellable like any other."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first_day: str = Field(pattern=KEY, description="the date field holding the first day away")
    last_day: str | None = Field(default=None, pattern=KEY,
                                 description="the date field holding the last day (left empty: one day)")
    when: list[Condition] = Field(default_factory=list, description="only for these requests, e.g. a whole day off")

    @field_validator("when", mode="before")
    @classmethod
    def _single_condition(cls, value: object) -> object:
        return [value] if isinstance(value, str | dict) else value


class FreeText(BaseModel):
    """Marks the inquiry type: where free text lands when a message, a 🎫 or an unanswered question
    opens a ticket."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    body: str = Field(pattern=KEY)
    subject: str | None = Field(default=None, pattern=KEY)


class ReceiptSpec(BaseModel):
    """The 電子帳簿保存法 record of the files a request carries: which of its fields are the 取引年月日, the
    取引金額 (税込; per tax rate when the form asks), the 取引先, the 登録番号 and the 書類区分. When files
    are attached, date, amount and counterparty must be filled (they are what a tax officer searches by)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    files: str = Field(pattern=KEY, description="the file field")
    date: str = Field(pattern=KEY, description="取引年月日: a date field")
    amount: str = Field(pattern=KEY, description="取引金額 (税込): an amount field")
    counterparty: str = Field(pattern=KEY, description="取引先: a text field")
    invoice_number: str | None = Field(default=None, pattern=KEY, description="登録番号: an invoice_number field")
    amount_by_rate: dict[str, str] = Field(default_factory=dict,
                                           description='tax rate ("10", "8") → an amount field: 税率ごとの金額')
    kind: DocumentKind = Field(default="receipt", description="書類区分 when no field chooses it")
    kind_field: str | None = Field(default=None, pattern=KEY,
                                   description="a select field whose option values are 書類区分: "
                                               + ", ".join(DOCUMENT_KINDS))

    def field_types(self) -> dict[str, tuple[str, ...]]:
        """Each named field and the types it may have."""
        named = {self.files: ("file",), self.date: ("date",), self.amount: ("amount",),
                 self.counterparty: ("text",)}
        if self.invoice_number:
            named[self.invoice_number] = ("invoice_number",)
        if self.kind_field:
            named[self.kind_field] = ("select",)
        for key in self.amount_by_rate.values():
            named[key] = ("amount",)
        return named


class RequestType(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=KEY)
    name: LocalizedText
    description: LocalizedText | None = None
    emoji: str | None = Field(default=None, pattern=r"^:[a-z0-9_+\-]+:$")
    department: str = Field(description=f"department key, or {AUTO!r} to route from the text")
    department_by: DepartmentBy | None = None
    fields: list[FormField] = Field(min_length=1, max_length=MAX_FIELDS)
    title_fields: list[str] = Field(default_factory=list, description="fields whose values make the ticket title")
    evidence: list[EvidenceRule] = Field(default_factory=list)
    confidential: bool = False
    keywords: RoutingKeywords = Field(
        default_factory=RoutingKeywords,
        description="confidential types: words that mark a question as this type's matter, so it never appears in "
                    "the digest (default: the type's name and its department's routing keywords)")
    sla: SlaTargets = Field(default_factory=SlaTargets)
    approval: list[ApprovalRule] = Field(default_factory=list, description="approval chain rules (職務権限)")
    follow_ups: list[FollowUp] = Field(default_factory=list)
    away: Away | None = Field(default=None, description="休暇: approved, it hands the requester's approvals to "
                                                        "their deputy for its days")
    after_the_fact: str | None = Field(
        default=None, pattern=KEY,
        description="事後稟議: the date field holding the day the deal is done (発注日・購入日・契約日); a request "
                    "approved after that day is flagged 事後 to its approvers, in the audit trail and the digest")
    free_text: FreeText | None = None
    receipt: ReceiptSpec | None = Field(default=None, description="電子帳簿保存法: the record kept with the files")
    journal: JournalSpec | None = Field(default=None, description=(
        "hand-off to accounting: how an approved request becomes a journal row (madoguchi export journal)"))

    def field(self, key: str) -> FormField | None:
        return next((f for f in self.fields if f.key == key), None)

    @property
    def routed(self) -> bool:
        return self.department == AUTO


def catalog_problems(types: list[RequestType], department_keys: list[str]):
    """Cross-references inside the catalog, as (key path, message)."""
    keys = [t.key for t in types]
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if key in seen:
            yield f"request_types[{i}].key", f"duplicate request type {key!r}"
        seen.add(key)
    inquiry_types = [i for i, t in enumerate(types) if t.free_text is not None]
    for i in inquiry_types[1:]:
        yield f"request_types[{i}].free_text", "only one request type can take free text (the inquiry type)"
    for i, rt in enumerate(types):
        yield from _type_problems(f"request_types[{i}]", rt, types, department_keys)


def _type_problems(path: str, rt: RequestType, types: list[RequestType], department_keys: list[str]):
    field_keys = [f.key for f in rt.fields]
    fields = {f.key: f for f in rt.fields}
    for j, key in enumerate(field_keys):
        if field_keys.index(key) != j:
            yield f"{path}.fields[{j}].key", f"duplicate field {key!r}"
    if rt.department != AUTO and rt.department not in department_keys:
        yield f"{path}.department", f"unknown department {rt.department!r} (or write {AUTO!r} to route by text)"
    if rt.department_by is not None:
        by = rt.department_by
        source = fields.get(by.field)
        if source is None or source.type != "select":
            yield f"{path}.department_by.field", f"{by.field!r} is not a select field of this form"
        for value, dept in by.values.items():
            if dept not in department_keys:
                yield f"{path}.department_by.values.{value}", f"unknown department {dept!r}"
            if source is not None and source.type == "select" and value not in {o.value for o in source.options}:
                yield f"{path}.department_by.values.{value}", f"{value!r} is not an option of {by.field!r}"
    for j, key in enumerate(rt.title_fields):
        if key not in fields:
            yield f"{path}.title_fields[{j}]", f"unknown field {key!r}"
    if rt.after_the_fact is not None and getattr(fields.get(rt.after_the_fact), "type", None) != "date":
        yield f"{path}.after_the_fact", f"{rt.after_the_fact!r} is not a date field of this form"
    if rt.away is not None:
        for name in ("first_day", "last_day"):
            key = getattr(rt.away, name)
            if key is not None and (key not in fields or fields[key].type != "date"):
                yield f"{path}.away.{name}", f"{key!r} is not a date field of this form"
    for j, f in enumerate(rt.fields):
        if f.not_before is not None and (f.not_before not in fields or fields[f.not_before].type != "date"):
            yield f"{path}.fields[{j}].not_before", f"{f.not_before!r} is not a date field of this form"
    for j, rule in enumerate(rt.evidence):
        named = [("field", rule.field), *((f"alternatives[{k}]", a) for k, a in enumerate(rule.alternatives))]
        for where, key in named:
            if key not in fields:
                yield f"{path}.evidence[{j}].{where}", f"unknown field {key!r}"
        for k, cond in enumerate(rule.when):
            if cond.field not in fields:
                yield f"{path}.evidence[{j}].when[{k}]", f"unknown field {cond.field!r}"
    for j, rule in enumerate(rt.approval):
        for k, cond in enumerate(rule.when):
            if cond.field not in fields:
                yield f"{path}.approval[{j}].when[{k}]", f"unknown field {cond.field!r}"
    if rt.free_text is not None:
        for part in ("body", "subject"):
            key = getattr(rt.free_text, part)
            if key is not None and (key not in fields or fields[key].type not in TEXT_TYPES):
                yield f"{path}.free_text.{part}", f"{key!r} is not a text field of this form"
    if rt.receipt is not None:
        yield from _receipt_problems(f"{path}.receipt", rt.receipt, fields)
    if rt.journal is not None:
        for where, key, kinds in rt.journal.fields_named():
            found = fields.get(key)
            if found is None:
                yield f"{path}.journal.{where}", f"unknown field {key!r}"
            elif kinds and found.type not in kinds:
                yield f"{path}.journal.{where}", f"{key!r} is a {found.type} field; expected {' or '.join(kinds)}"
        if rt.journal.account is not None and not isinstance(rt.journal.account, str):
            source = fields.get(rt.journal.account.field)
            options = {o.value for o in source.options} if source is not None and source.options else set()
            for value in rt.journal.account.accounts:
                if options and value not in options:
                    yield f"{path}.journal.account.accounts.{value}", (
                        f"{value!r} is not an option of {rt.journal.account.field!r}")
    by_key = {t.key: t for t in types}
    for j, follow in enumerate(rt.follow_ups):
        target = by_key.get(follow.request_type)
        if target is None or target.key == rt.key:
            yield f"{path}.follow_ups[{j}].request_type", f"unknown request type {follow.request_type!r}"
            continue
        if target.routed:
            yield f"{path}.follow_ups[{j}].request_type", "a follow-up needs a type with a fixed department"
        for k, cond in enumerate(follow.when):
            if cond.field not in fields:
                yield f"{path}.follow_ups[{j}].when[{k}]", f"unknown field {cond.field!r}"
        for target_key, source in follow.fields.items():
            where = f"{path}.follow_ups[{j}].fields.{target_key}"
            if target.field(target_key) is None:
                yield where, f"{target.key!r} has no field {target_key!r}"
            used = [source.from_] if isinstance(source, MappedValue) else _placeholders(source)
            for name in used:
                if name not in fields:
                    yield where, f"unknown field {name!r}"


def _receipt_problems(path: str, spec: ReceiptSpec, fields: dict[str, FormField]):
    for key, kinds in spec.field_types().items():
        f = fields.get(key)
        if f is None or f.type not in kinds:
            yield path, f"{key!r} is not a {' or '.join(kinds)} field of this form"
    if spec.kind_field and (f := fields.get(spec.kind_field)) is not None and f.type == "select":
        for option in f.options:
            if option.value not in DOCUMENT_KINDS:
                yield f"{path}.kind_field", f"option {option.value!r} is not a 書類区分 ({', '.join(DOCUMENT_KINDS)})"
    for rate in spec.amount_by_rate:
        if rate not in ("10", "8", "0"):
            yield f"{path}.amount_by_rate", f"{rate!r} is not a consumption tax rate (10, 8 or 0)"


def _placeholders(template: str) -> list[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(template) if name]
    except ValueError:
        return ["{"]
