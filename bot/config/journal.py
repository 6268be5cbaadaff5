"""Hand-off to accounting (仕訳): how an approved request of a type becomes one journal row.

Set per request type in the catalog (`journal:`); `madoguchi export journal` (bot/journal/) writes the rows
in the import format of freee 会計 or マネーフォワード クラウド会計, or as a plain CSV:

    journal:
      date: spent_on               # the 発生日 / 取引日: a date field of the form
      amount: amount               # an amount field (税込), default "amount"
      account: 旅費交通費          # 借方勘定科目 — or chosen by an option of a select field:
      # account: {field: category, accounts: {transport: 旅費交通費, meeting: 会議費}, default: 雑費}
      credit: 未払金               # 貸方勘定科目 (default 未払金)
      tax: {freee: 課対仕入10%, mf: 課税仕入 10%, csv: 課税仕入10%}   # 税区分, in each product's own names
      partner: payee               # optional: the field naming the 取引先
      memo: [purpose]              # optional: fields joined into 摘要 / 備考 (after the ticket number)
      due: due_on                  # optional: a date field, the 決済期日 of an unpaid bill (freee)

Account and tax names must be the ones your accounting product knows (its 勘定科目 and 税区分 settings):
both products refuse a row naming one they do not have."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

JOURNAL_FORMATS = ("freee", "mf", "csv")


class AccountBy(BaseModel):
    """The 借方勘定科目 chosen by the option a select field holds (費目 → 勘定科目)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str
    accounts: dict[str, str] = Field(min_length=1, description="option value → 勘定科目")
    default: str = Field(description="勘定科目 for an option not listed")

    def pick(self, value: object) -> str:
        return self.accounts.get(str(value), self.default) if value not in (None, "") else self.default


class JournalSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    date: str = Field(description="the date field holding the 発生日 / 取引日")
    amount: str = Field(default="amount", description="the amount field (税込)")
    account: str | AccountBy = Field(description="借方勘定科目, or {field, accounts, default}")
    credit: str = Field(default="未払金", description="貸方勘定科目")
    tax: dict[Literal["freee", "mf", "csv"], str] = Field(
        min_length=1, description="税区分 of the debit line, in each product's own words")
    partner: str | None = Field(default=None, description="the field naming the 取引先")
    memo: list[str] = Field(default_factory=list, description="fields joined into 摘要 / 備考")
    due: str | None = Field(default=None, description="a date field: 決済期日 of an unpaid bill (freee)")

    def debit_account(self, fields: dict[str, object]) -> str:
        return self.account if isinstance(self.account, str) else self.account.pick(fields.get(self.account.field))

    def fields_named(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """(key path, field key, the field types it may be) of every field the spec reads."""
        named = [("date", self.date, ("date",)), ("amount", self.amount, ("amount",))]
        if not isinstance(self.account, str):
            named.append(("account.field", self.account.field, ("select",)))
        if self.partner:
            named.append(("partner", self.partner, ("text", "select", "textarea")))
        named.extend((f"memo[{j}]", key, ()) for j, key in enumerate(self.memo))
        if self.due:
            named.append(("due", self.due, ("date",)))
        return named
