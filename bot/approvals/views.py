"""Approval messages and modals: pure builders from a small view model to Block Kit.

Buttons carry pointers only ("step id:version"); who clicked comes from Slack's signed payload."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.forms.clean import FREE_TEXT_MAX
from bot.i18n import t
from bot.i18n.mrkdwn import Mrkdwn, escape
from bot.receipts.views import files_button
from bot.slack_ids import ApprovalAction, ApprovalCallback
from bot.views.blocks import (
    BLOCKS_MAX,
    BUTTON_TEXT_MAX,
    CHECKBOX_OPTIONS_MAX,
    FIELD_MAX,
    FIELDS_PER_SECTION,
    MODAL_TITLE_MAX,
    Block,
    actions,
    button,
    context,
    divider,
    fields,
    header,
    plain,
    section,
)
from bot.views.metadata import ApprovalReasonContext, ApprovalReassignContext

REASON_BLOCK, FIELDS_BLOCK = "approval_reason", "approval_fields_to_fix"
REASON_INPUT, FIELDS_INPUT = "reason", "fields"
REASSIGN_TO_BLOCK, REASSIGN_REASON_BLOCK, REASSIGN_TO_INPUT = (
    "approval_reassign_to", "approval_reassign_reason", "approver")
OUTCOME_EMOJI = {"approved": ":white_check_mark:", "sent_back": ":leftwards_arrow_with_hook:", "rejected": ":x:",
                 "cancelled": ":heavy_minus_sign:", "reassigned": ":arrow_right:", "skipped": ":fast_forward:",
                 "acknowledged": ":eyes:", "closed_together_sent_back": ":leftwards_arrow_with_hook:",
                 "closed_together_rejected": ":x:"}


@dataclass(frozen=True)
class FieldRow:
    """One field of the request: `value` as plain text (empty when the form left it empty), `text` the
    same as the requester's receipt shows it in mrkdwn (a link, a mention), when that differs."""

    key: str
    label: str
    value: str
    text: str | None = None

    def shown(self) -> str:
        return self.text or escape(self.value)


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class StepCard:
    """What an approver sees about one step of one ticket."""

    ticket_number: str
    type_name: str
    title: str
    requester: str
    rows: list[FieldRow]
    step_id: int
    version: int
    position: int
    total: int
    why: str | None = None  # why the step is there, in words (bot.approvals.wording)
    round: int = 1
    principal: str | None = None  # set when this copy goes to a delegate: whose step it is
    changes: list[Change] = field(default_factory=list)
    outcome: str | None = None  # approved | sent_back | rejected | cancelled | reassigned; None while open
    decided_by: str | None = None  # already worded, e.g. "B (on behalf of A)"
    decided_at: str | None = None
    reason: str | None = None
    fixes: list[str] = field(default_factory=list)
    # Earlier approvers' comments in this round, worded "who: comment" (the comment is the approver's own text).
    comments: list[tuple[str, str]] = field(default_factory=list)
    reassigned_to: str | None = None
    routed: str | None = None  # why the step is with this approver: routed around the requester (職務分掌)
    ticket_id: int = 0
    files: int = 0  # kept receipt / invoice files: a button sends them to the approver
    registry: str | None = None  # what the 国税庁 registry said of its 登録番号, in words (bot/receipts/registry.py)
    # 事後稟議: the deal's day is already past, in words (bot/approvals/after_the_fact.py)
    after_the_fact: str | None = None
    mode: str = "any"  # any | all (合議: every member approves) | fyi (回付: read and confirm, nobody decides)
    together: list[tuple[str, str]] = field(default_factory=list)  # 合議: each member, and where they stand


def pointer(step_id: int, version: int) -> str:
    return f"{step_id}:{version}"


def decision_buttons(locale: str, step_id: int, version: int, block_prefix: str = "approval") -> Block:
    """承認 / 差戻し / 却下 / 詳細 for one step, the same wherever the step is shown (DM, reminder, Home)."""
    value = pointer(step_id, version)
    return actions(
        button(t(locale, "approvals.buttons.approve"), ApprovalAction.APPROVE, value, style="primary"),
        button(t(locale, "approvals.buttons.approve_with_comment"), ApprovalAction.APPROVE_WITH_COMMENT, value),
        button(t(locale, "approvals.buttons.send_back"), ApprovalAction.SEND_BACK, value),
        button(t(locale, "approvals.buttons.reject"), ApprovalAction.REJECT, value, style="danger"),
        button(t(locale, "approvals.buttons.details"), ApprovalAction.DETAILS, value),
        block_id=f"{block_prefix}:{step_id}",
    )


def filled_rows(card: StepCard) -> list[FieldRow]:
    """The fields the requester filled in, in form order: an empty optional field is not shown."""
    return [r for r in card.rows if r.value.strip()]


def step_line(locale: str, card: StepCard) -> str:
    """「承認ステップ 2/2 · 金額が10万円以上のため経理責任者の承認が必要です」; a 回付: 「回付 2/3」."""
    if card.mode == "fyi":
        return t(locale, "approvals.circulation.step", position=card.position, total=card.total)
    if card.why:
        return t(locale, "approvals.request.step", position=card.position, total=card.total, why=card.why)
    return t(locale, "approvals.request.step_only", position=card.position, total=card.total)


def who(locale: str, decider: str, principal: str | None) -> str:
    return t(locale, "approvals.on_behalf", delegate=decider, principal=principal) if principal else decider


def request_message(locale: str, card: StepCard) -> tuple[str, list[Block]]:
    """The DM asking for a decision (buttons), or, once decided, the same message with the outcome.
    A 回付 (card.mode fyi) reads as such and has one button, 確認しました."""
    kind = "circulation" if card.mode == "fyi" else "request"
    text = t(locale, f"approvals.{kind}.text", number=card.ticket_number, type=card.type_name,
             requester=card.requester)
    blocks: list[Block] = [
        header(t(locale, f"approvals.{kind}.header", number=card.ticket_number, type=card.type_name)),
        section(t(locale, f"approvals.{kind}.intro", requester=card.requester, title=card.title)),
    ]
    if card.principal:
        blocks.append(context(t(locale, "approvals.request.as_delegate", principal=card.principal)))
    if card.routed:
        blocks.append(context(":arrows_counterclockwise: " + card.routed))
    if card.changes:
        blocks.append(section(t(locale, "approvals.request.changes_header", round=card.round) + "\n" + "\n".join(
            f"• *{escape(c.label)}*: ~{escape(c.before) or '—'}~ → {escape(c.after) or '—'}" for c in card.changes)))
    filled = filled_rows(card)
    for i in range(0, len(filled), 10):  # a section holds ten fields
        blocks.append(fields(*[(escape(r.label), r.shown()) for r in filled[i:i + 10]]))
    if card.registry:
        blocks.append(context(card.registry))
    if card.after_the_fact:
        blocks.append(context(card.after_the_fact))
    if card.comments:
        blocks.append(section(t(locale, "approvals.request.comments_header") + "\n" + "\n".join(
            f"• {escape(who_said)}: {escape(said)}" for who_said, said in card.comments)))
    if card.files:
        blocks.append(files_button(locale, card.ticket_id, card.files))
    blocks.append(context(step_line(locale, card)))
    if card.together:
        blocks.append(context(t(locale, "approvals.request.together", members=t(
            locale, "approvals.why.people_separator").join(
                t(locale, "approvals.request.member", name=escape(name), status=status)
                for name, status in card.together))))
    if card.outcome is None:
        if card.mode == "fyi":
            blocks.append(actions(button(t(locale, "approvals.buttons.acknowledge"), ApprovalAction.ACKNOWLEDGE,
                                         pointer(card.step_id, card.version), style="primary"),
                                  block_id=f"circulation:{card.step_id}"))
        else:
            blocks.append(decision_buttons(locale, card.step_id, card.version))
        return text, blocks
    blocks.append(divider())
    outcome = t(locale, f"approvals.outcome.{card.outcome}", who=card.decided_by or "", when=card.decided_at or "",
                to=card.reassigned_to or "")
    lines = [f"{OUTCOME_EMOJI.get(card.outcome, '')} {outcome}"]
    if card.reason:
        key = "approvals.outcome.comment" if card.outcome == "approved" else "approvals.outcome.reason"
        lines.append(t(locale, key, reason=card.reason))
    if card.fixes:
        lines.append(t(locale, "approvals.outcome.fixes", fields=", ".join(card.fixes)))
    blocks.append(section("\n".join(lines)))
    return text + " — " + outcome, blocks


def reason_modal(locale: str, card: StepCard, outcome: str, field_options: list[FieldRow]) -> dict[str, Any]:
    """差戻し / 却下: a reason is required; a send-back may tick the fields to fix. 承認 with a comment: the
    same modal, the comment optional (the requester and the next approvers read it)."""
    blocks: list[Block] = [
        section(t(locale, "approvals.modal.about", number=card.ticket_number, type=card.type_name,
                  requester=card.requester)),
        {"type": "input", "block_id": REASON_BLOCK, "optional": outcome == "approved",
         "label": plain(t(locale, f"approvals.modal.reason_{outcome}"), FIELD_MAX),
         "element": {"type": "plain_text_input", "action_id": REASON_INPUT, "multiline": True,
                     "max_length": FREE_TEXT_MAX}},
    ]
    if outcome == "sent_back" and field_options:
        blocks.append({
            "type": "input", "block_id": FIELDS_BLOCK, "optional": True,
            "label": plain(t(locale, "approvals.modal.fields_to_fix"), FIELD_MAX),
            "element": {"type": "checkboxes", "action_id": FIELDS_INPUT, "options": [
                {"text": plain(f.label, BUTTON_TEXT_MAX), "value": f.key} for f in field_options[:FIELDS_PER_SECTION]]},
        })
    return {
        "type": "modal",
        "callback_id": ApprovalCallback.REASON,
        "private_metadata": ApprovalReasonContext(step=card.step_id, version=card.version, outcome=outcome).dump(),
        "title": plain(t(locale, f"approvals.modal.title_{outcome}"), 24),
        "submit": plain(t(locale, f"approvals.modal.submit_{outcome}"), 24),
        "close": plain(t(locale, "approvals.modal.cancel"), 24),
        "blocks": blocks,
    }


@dataclass(frozen=True)
class BulkItem:
    """One waiting request in the まとめて承認 modal."""

    step_id: int
    version: int
    ticket_number: str
    type_name: str
    requester: str
    summary: str  # e.g. "¥30,000"
    principal: str | None = None  # deciding on someone's behalf


@dataclass(frozen=True)
class BulkOutcome:
    approved: list[str]  # ticket numbers
    not_decided: list[tuple[str, str]]  # (ticket number, why, in the reader's words)


BULK_BLOCK = "approval_bulk"  # + the group's index: checkboxes take ten options each
BULK_INPUT = "steps"


def bulk_modal(locale: str, items: list[BulkItem]) -> dict[str, Any]:
    """まとめて承認: every waiting request ticked; the approver unticks what they want to look at first."""
    blocks: list[Block] = [section(t(locale, "approvals.bulk.intro", count=len(items)))]
    for i in range(0, len(items), CHECKBOX_OPTIONS_MAX):
        options = []
        for item in items[i:i + CHECKBOX_OPTIONS_MAX]:
            label = f"{item.ticket_number} {item.type_name} · {item.requester}"
            option: dict[str, Any] = {"text": plain(label, BUTTON_TEXT_MAX),
                                      "value": pointer(item.step_id, item.version)}
            on_behalf = t(locale, "approvals.home.on_behalf", principal=item.principal) if item.principal else ""
            detail = " · ".join(x for x in (item.summary, on_behalf) if x)
            if detail:
                option["description"] = plain(detail, BUTTON_TEXT_MAX)
            options.append(option)
        blocks.append({"type": "input", "block_id": f"{BULK_BLOCK}_{i // CHECKBOX_OPTIONS_MAX}", "optional": True,
                       "label": plain(t(locale, "approvals.bulk.label"), FIELD_MAX),
                       "element": {"type": "checkboxes", "action_id": BULK_INPUT, "options": options,
                                   "initial_options": options}})
    modal: dict[str, Any] = {"type": "modal", "callback_id": ApprovalCallback.BULK,
                             "title": plain(t(locale, "approvals.bulk.title"), MODAL_TITLE_MAX),
                             "close": plain(t(locale, "approvals.modal.cancel"), MODAL_TITLE_MAX),
                             "blocks": blocks[:BLOCKS_MAX]}
    if items:
        modal["submit"] = plain(t(locale, "approvals.bulk.submit"), MODAL_TITLE_MAX)
    return modal


def bulk_result_modal(locale: str, outcome: BulkOutcome) -> dict[str, Any]:
    """What happened to each ticked request: approved, or why not (decided meanwhile, withdrawn…)."""
    blocks: list[Block] = []
    if outcome.approved:
        blocks.append(section(t(locale, "approvals.bulk.approved", count=len(outcome.approved),
                                numbers=", ".join(outcome.approved))))
    if outcome.not_decided:
        blocks.append(section(t(locale, "approvals.bulk.not_decided", count=len(outcome.not_decided))))
        for number, why in outcome.not_decided[:BLOCKS_MAX - 2]:
            blocks.append(context(f"{escape(number)}: {why}"))
    if not blocks:
        blocks.append(section(t(locale, "approvals.bulk.nothing")))
    return {"type": "modal", "callback_id": ApprovalCallback.DETAILS,
            "title": plain(t(locale, "approvals.bulk.title"), MODAL_TITLE_MAX),
            "close": plain(t(locale, "approvals.modal.close"), MODAL_TITLE_MAX), "blocks": blocks}


def details_modal(locale: str, card: StepCard, history: list[str], *, can_reassign: bool = False) -> dict[str, Any]:
    """The request and its approval history; an admin also gets 承認者を変更 while the step is open."""
    blocks: list[Block] = [
        header(t(locale, "approvals.request.header", number=card.ticket_number, type=card.type_name)),
        section(t(locale, "approvals.request.intro", requester=card.requester, title=card.title)),
    ]
    for row in filled_rows(card):
        blocks.append(section(f"*{escape(row.label)}*\n{row.shown()}"))
    blocks.append(context(step_line(locale, card)))
    blocks.append(divider())
    blocks.append(section(t(locale, "approvals.details.history") + "\n" + "\n".join(history[-40:] or ["—"])))
    if can_reassign:
        blocks.append(actions(button(t(locale, "approvals.buttons.reassign"), ApprovalAction.REASSIGN_OPEN,
                                     pointer(card.step_id, card.version)), block_id=f"reassign:{card.step_id}"))
    return {"type": "modal", "callback_id": ApprovalCallback.DETAILS,
            "title": plain(t(locale, "approvals.details.title"), 24),
            "close": plain(t(locale, "approvals.modal.close"), MODAL_TITLE_MAX), "blocks": blocks[:BLOCKS_MAX]}


def requester_notice(locale: str, key: str, *, number: str, type_name: str, resubmit_ticket: int | None = None,
                     comment: tuple[str, str] | None = None, **params: Any) -> tuple[str, list[Block]]:
    """`comment`: (who, what they wrote) when the approver left one; shown under the notice."""
    text = t(locale, f"approvals.requester.{key}", number=number, type=type_name, **params)
    if comment is not None:
        text = Mrkdwn(text + "\n" + t(locale, "approvals.requester.comment", who=comment[0], comment=comment[1]))
    blocks: list[Block] = [section(text)]
    if resubmit_ticket is not None:
        blocks.append(actions(button(t(locale, "approvals.buttons.resubmit"), ApprovalAction.RESUBMIT,
                                     str(resubmit_ticket), style="primary"), block_id=f"resubmit:{resubmit_ticket}"))
    return text, blocks




def reassign_modal(locale: str, card: StepCard, current: str) -> dict[str, Any]:
    """Admins: give a pending step to someone else, with the reason (both go to the audit trail)."""
    return {
        "type": "modal",
        "callback_id": ApprovalCallback.REASSIGN,
        "private_metadata": ApprovalReassignContext(step=card.step_id, version=card.version).dump(),
        "title": plain(t(locale, "approvals.reassign.title"), 24),
        "submit": plain(t(locale, "approvals.reassign.submit"), 24),
        "close": plain(t(locale, "approvals.modal.cancel"), 24),
        "blocks": [
            section(t(locale, "approvals.modal.about", number=card.ticket_number, type=card.type_name,
                      requester=card.requester)),
            context(t(locale, "approvals.reassign.current", approvers=current, position=card.position,
                      total=card.total)),
            {"type": "input", "block_id": REASSIGN_TO_BLOCK,
             "label": plain(t(locale, "approvals.reassign.to"), FIELD_MAX),
             "element": {"type": "users_select", "action_id": REASSIGN_TO_INPUT}},
            {"type": "input", "block_id": REASSIGN_REASON_BLOCK,
             "label": plain(t(locale, "approvals.reassign.reason"), FIELD_MAX),
             "element": {"type": "plain_text_input", "action_id": REASON_INPUT, "multiline": True,
                         "max_length": FREE_TEXT_MAX}},
        ],
    }
