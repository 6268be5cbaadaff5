"""The request modals: the type picker, a type's form (built from the catalog), and the receipt view.

A form can be pre-filled (message shortcut, FAQ escalation, resubmission after a send-back) and can
flag fields the approver asked to fix."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.config import WorkspaceConfig
from bot.config.catalog import MAX_FILES, FormField, RequestType
from bot.forms import block_id
from bot.i18n import t
from bot.slack_ids import IntakeAction, IntakeCallback
from bot.views.blocks import (
    BLOCKS_MAX,
    BUTTON_TEXT_MAX,
    FIELD_MAX,
    PLACEHOLDER_MAX,
    TEXT_MAX,
    Block,
    button,
    clip,
    context,
    plain,
    section,
)

MAX_MODAL_TITLE = 24


def _modal(title: str, blocks: list[Block], *, callback_id: str, metadata: str = "", submit: str | None = None,
           close: str | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MAX_MODAL_TITLE),
        "blocks": blocks[:BLOCKS_MAX],
        "private_metadata": metadata,
    }
    if submit:
        view["submit"] = plain(submit, MAX_MODAL_TITLE)
    if close:
        view["close"] = plain(close, MAX_MODAL_TITLE)
    return view


# -- the type picker -----------------------------------------------------------------------------
def type_picker(locale: str, config: WorkspaceConfig) -> dict[str, Any]:
    blocks: list[Block] = [section(t(locale, "picker.intro"))]
    groups: list[tuple[str, list[RequestType]]] = [
        (d.name.get(locale), [rt for rt in config.request_types if rt.department == d.key])
        for d in config.departments
    ]
    groups.append((t(locale, "picker.anything"), [rt for rt in config.request_types if rt.routed]))
    for name, types in groups:
        if not types:
            continue
        blocks.append(context(f"*{name}*"))
        for rt in types:
            text = f"*{rt.emoji or ''} {rt.name.get(locale)}*".replace("* ", "*", 1)
            if rt.description:
                text += "\n" + rt.description.get(locale)
            blocks.append(section(text, block_id=f"pick:{rt.key}",
                                  accessory=button(t(locale, "picker.choose"), IntakeAction.PICK_TYPE, rt.key)))
    if len(blocks) == 1:
        blocks.append(section(t(locale, "picker.empty")))
    return _modal(t(locale, "picker.title"), blocks, callback_id=IntakeCallback.TYPE_PICKER,
                  close=t(locale, "form.close"))


# -- a type's form -------------------------------------------------------------------------------
def request_form(rt: RequestType, locale: str, config: WorkspaceConfig, *, metadata: str,
                 initial: dict[str, Any] | None = None, flagged: Iterable[str] = (), notes: Iterable[str] = (),
                 ) -> dict[str, Any]:
    initial = initial or {}
    flagged = set(flagged)
    blocks: list[Block] = []
    if rt.description:
        blocks.append(context(rt.description.get(locale)))
    blocks.extend(context(note) for note in notes)
    for f in rt.fields:
        blocks.append(input_block(f, locale, config, initial.get(f.key), flagged=f.key in flagged))
    if any(f.required for f in rt.fields):
        blocks.append(context(t(locale, "form.required_note")))
    return _modal(rt.name.get(locale), blocks, callback_id=IntakeCallback.REQUEST_FORM, metadata=metadata,
                  submit=t(locale, "form.submit"), close=t(locale, "form.cancel"))


def input_block(f: FormField, locale: str, config: WorkspaceConfig, initial: Any, *, flagged: bool = False,
                ) -> Block:
    label = f.label.get(locale) + (" *" if f.required else "")
    block: Block = {
        "type": "input",
        "block_id": block_id(f.key),
        "label": plain(("⚠️ " if flagged else "") + label, FIELD_MAX),
        "element": element(f, locale, config, initial),
        "optional": not f.required,
    }
    hint = f.help.get(locale) if f.help else ""
    if f.type == "file" and isinstance(initial, list) and initial:
        # A resubmission: the files already attached stay unless new ones are chosen (Slack cannot show them
        # in the input), so the input is optional this time.
        block["optional"] = True
        names = ", ".join(str(file.get("name")) for file in initial if isinstance(file, dict))
        hint = t(locale, "form.files_kept", names=names) + (f" — {hint}" if hint else "")
    if flagged:
        hint = t(locale, "form.flagged") + (f" — {hint}" if hint else "")
    if hint:
        block["hint"] = plain(hint, FIELD_MAX)
    return block


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain(label, BUTTON_TEXT_MAX), "value": value}


def element(f: FormField, locale: str, config: WorkspaceConfig, initial: Any) -> dict[str, Any]:
    el: dict[str, Any] = {"action_id": IntakeAction.FIELD}
    empty = initial is None or initial == "" or initial == []
    if f.type in ("text", "textarea"):
        el.update(type="plain_text_input", multiline=f.type == "textarea", max_length=int(f.max or TEXT_MAX))
        if f.min:
            el["min_length"] = int(f.min)
        if not empty:
            el["initial_value"] = clip(str(initial), int(f.max or TEXT_MAX))
    elif f.type == "amount":
        # A text input, not number_input: Slack's number input refuses 「５０，０００」, 「¥50,000」 and 50,000円
        # before we see them; the server reads all of those (bot/i18n/numbers.py) and checks the range.
        el.update(type="plain_text_input", max_length=40,
                  placeholder=plain(t(locale, "form.amount_placeholder"), PLACEHOLDER_MAX))
        if not empty:
            el["initial_value"] = str(initial)
    elif f.type == "number":
        el.update(type="number_input", is_decimal_allowed=not f.integer)
        if f.min is not None:
            el["min_value"] = _number_text(f.min)
        if f.max is not None:
            el["max_value"] = _number_text(f.max)
        if not empty:
            el["initial_value"] = str(initial)
    elif f.type == "date":
        el["type"] = "datepicker"
        if not empty:
            el["initial_date"] = str(initial)
    elif f.type == "user":
        el["type"] = "users_select"
        if not empty:
            el["initial_user"] = str(initial)
    elif f.type == "invoice_number":
        el.update(type="plain_text_input", max_length=40,
                  placeholder=plain(t(locale, "form.invoice_number_placeholder"), PLACEHOLDER_MAX))
        if not empty:
            el["initial_value"] = str(initial)
    elif f.type == "file":
        # Slack cannot pre-fill a file_input: on a resubmission the hint says the earlier files are kept.
        el.update(type="file_input", filetypes=list(config.evidence.file_types), max_files=int(f.max or MAX_FILES))
    elif f.type in ("url", "email"):
        el["type"] = f"{f.type}_text_input"
        if not empty:
            el["initial_value"] = str(initial)
    else:
        options = ([_option(d.key, d.name.get(locale)) for d in config.departments] if f.type == "department"
                   else [_option(o.value, o.label.get(locale)) for o in f.options])
        kind = {"select": "static_select", "department": "static_select", "multiselect": "multi_static_select",
                "checkboxes": "checkboxes"}[f.type]
        el.update(type=kind, options=options)
        chosen = [o for o in options if o["value"] in (initial if isinstance(initial, list) else [initial])]
        if chosen and kind == "static_select":
            el["initial_option"] = chosen[0]
        elif chosen:
            el["initial_options"] = chosen
        if kind == "multi_static_select" and f.max:
            el["max_selected_items"] = int(f.max)
    if f.placeholder and el["type"] not in ("checkboxes", "file_input"):
        el["placeholder"] = plain(f.placeholder.get(locale), PLACEHOLDER_MAX)
    return el


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# -- after submitting ----------------------------------------------------------------------------
def received(locale: str, number: str, *, pending_approval: bool) -> dict[str, Any]:
    blocks = [section(t(locale, "received.body", number=number))]
    if pending_approval:
        blocks.append(context(t(locale, "received.approval")))
    return _modal(t(locale, "received.title"), blocks, callback_id=IntakeCallback.RECEIVED,
                  close=t(locale, "form.close"))
