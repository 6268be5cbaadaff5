"""What people see of kept receipts in Slack: the button that sends a request's files to the one who clicks,
and the search form with its results for finance agents and auditors (pure functions of their input)."""

from __future__ import annotations

from typing import Any

from bot.forms.display import file_size
from bot.i18n import t
from bot.i18n.mrkdwn import escape
from bot.receipts.registry import Registration
from bot.receipts.search import Found
from bot.slack_ids import IntakeAction, ReceiptAction, ReceiptBlock, ReceiptCallback
from bot.views.blocks import (
    BLOCKS_MAX,
    FIELD_MAX,
    MODAL_TITLE_MAX,
    PLACEHOLDER_MAX,
    Block,
    actions,
    button,
    context,
    divider,
    header,
    plain,
    section,
)

RESULTS_SHOWN = 40  # two blocks a record, inside a modal's 100; the rest is the CLI export's


def files_button(locale: str, ticket_id: int, count: int) -> Block:
    """「📎 添付ファイルを受け取る（2件）」: the files come to the clicker's DM, if they may see them."""
    return actions(button(t(locale, "receipts.buttons.send_files", count=count), ReceiptAction.SEND_FILES,
                          str(ticket_id)), block_id=f"receipt_files:{ticket_id}")


def registry_words(found: Registration | None, locale: str) -> str | None:
    """「✅ T… は取引日 2026/11/20 に登録されていました（国税庁: 東海旅客鉄道株式会社）」, ⚠️ when it was not."""
    if found is None:
        return None
    return t(locale, f"receipts.registry.{found.status}", number=found.number, day=found.day.replace("-", "/"),
             name=escape(found.name or "—"))


def home_search_button(locale: str) -> list[Block]:
    return [divider(), header(t(locale, "receipts.home.header")),
            section(t(locale, "receipts.home.intro"),
                    accessory=button(t(locale, "receipts.buttons.search"), ReceiptAction.SEARCH, "open"))]


def _input(block_id: str, label: str, element: dict[str, Any], hint: str | None = None) -> Block:
    block: Block = {"type": "input", "block_id": block_id, "label": plain(label, FIELD_MAX), "optional": True,
                    "element": {"action_id": IntakeAction.FIELD, **element}}
    if hint:
        block["hint"] = plain(hint, FIELD_MAX)
    return block


def search_modal(locale: str) -> dict[str, Any]:
    text = {"type": "plain_text_input", "max_length": 40}
    blocks = [
        context(t(locale, "receipts.search.intro")),
        _input(ReceiptBlock.DATE_FROM, t(locale, "receipts.search.date_from"), {"type": "datepicker"}),
        _input(ReceiptBlock.DATE_TO, t(locale, "receipts.search.date_to"), {"type": "datepicker"}),
        _input(ReceiptBlock.AMOUNT_MIN, t(locale, "receipts.search.amount_min"),
               {**text, "placeholder": plain(t(locale, "form.amount_placeholder"), PLACEHOLDER_MAX)}),
        _input(ReceiptBlock.AMOUNT_MAX, t(locale, "receipts.search.amount_max"),
               {**text, "placeholder": plain(t(locale, "form.amount_placeholder"), PLACEHOLDER_MAX)}),
        _input(ReceiptBlock.COUNTERPARTY, t(locale, "receipts.search.counterparty"), {**text, "max_length": 100},
               hint=t(locale, "receipts.search.counterparty_hint")),
        _input(ReceiptBlock.NUMBER, t(locale, "receipts.search.number"),
               {**text, "placeholder": plain(t(locale, "form.invoice_number_placeholder"), PLACEHOLDER_MAX)}),
    ]
    return {"type": "modal", "callback_id": ReceiptCallback.SEARCH,
            "title": plain(t(locale, "receipts.search.title"), MODAL_TITLE_MAX),
            "submit": plain(t(locale, "receipts.search.submit"), MODAL_TITLE_MAX),
            "close": plain(t(locale, "form.close"), MODAL_TITLE_MAX), "blocks": blocks}


def results_modal(locale: str, found: list[Found], criteria: str, *, more: bool) -> dict[str, Any]:
    blocks: list[Block] = [context(t(locale, "receipts.results.criteria", criteria=criteria or "—"))]
    if not found:
        blocks.append(section(t(locale, "receipts.results.none")))
    for record in found[:RESULTS_SHOWN]:
        files = ", ".join(f"{escape(f.name)} ({file_size(f.size)})" for f in record.files)
        late = " " + t(locale, "receipts.results.late") if record.late else ""
        kind = t(locale, f"receipts.kinds.{record.kind}")
        blocks.append(section(
            f"*{record.transaction_date:%Y/%m/%d}*  ¥{record.amount:,}  {escape(record.counterparty)}{late}\n"
            f"{kind} · {escape(record.invoice_number or '—')} · {record.ticket_number}"
            + (f" · v{record.version}" if record.version > 1 else "") + f"\n:paperclip: {files}",
            accessory=button(t(locale, "receipts.buttons.send_files", count=len(record.files)),
                             ReceiptAction.SEND_FILES, str(record.ticket_id))))
        blocks.append(divider())
    if more or len(found) > RESULTS_SHOWN:
        blocks.append(context(t(locale, "receipts.results.more", shown=min(len(found), RESULTS_SHOWN))))
    return {"type": "modal", "callback_id": ReceiptCallback.RESULTS,
            "title": plain(t(locale, "receipts.results.title"), MODAL_TITLE_MAX),
            "close": plain(t(locale, "form.close"), MODAL_TITLE_MAX), "blocks": blocks[:BLOCKS_MAX]}
