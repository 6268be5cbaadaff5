"""Typed text in the CSV files people open in a spreadsheet (the journal exports, the receipts index): a cell
that begins like a formula is shown, never run. (Not the audit export: it is evidence, each row re-hashable from
its cells exactly as typed; its JSON form is the one to hand to a spreadsheet-free check.)

Excel, LibreOffice and Google Sheets evaluate a cell that starts with = + - @ (and treat a leading tab or carriage
return the same way), so a requester who types `=HYPERLINK(...)` as a supplier's name would otherwise have it
run on the finance team's machine. OWASP's advice is used: such a cell gets a leading apostrophe, which the
spreadsheet hides and an accounting import keeps (the cost: the apostrophe shows in that one imported field)."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text
