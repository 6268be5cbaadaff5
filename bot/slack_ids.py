"""Every identifier Slack echoes back to us (action_id, callback_id, block_id), in one place.

Here, not in handlers/: the views that put them on buttons and modals, the form reader and the listeners
that match them all need the same names, and only the listeners are the Slack adapter."""

from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    HELPDESK = "/helpdesk"


class Action(StrEnum):
    HOME_NEW_REQUEST = "home_new_request"


class FaqAction(StrEnum):
    HELPED = "faq_helped"
    NOT_HELPED = "faq_not_helped"
    SUGGESTION = "faq_suggestion"
    ESCALATE = "faq_escalate"
    CAPTURE = "faq_capture"


class FaqCallback(StrEnum):
    CAPTURE = "faq_capture_view"


class FaqBlock(StrEnum):
    QUESTION = "faq_question"
    VARIANTS = "faq_variants"
    ANSWER = "faq_answer"
    DEPARTMENT = "faq_department"


class ApprovalAction(StrEnum):
    APPROVE = "approval_approve"
    APPROVE_WITH_COMMENT = "approval_approve_comment"  # opens the comment modal; 承認 itself approves at once
    SEND_BACK = "approval_send_back"
    REJECT = "approval_reject"
    DETAILS = "approval_details"
    RESUBMIT = "approval_resubmit"
    DELEGATE_OPEN = "delegation_open"
    DELEGATE_CANCEL = "delegation_cancel"
    REASSIGN_OPEN = "approval_reassign_open"  # admins only, on the 詳細 view
    BULK_OPEN = "approval_bulk_open"  # App Home: approve several waiting requests in one confirmation
    ACKNOWLEDGE = "approval_acknowledge"  # 回付: 確認しました on the FYI message


class ApprovalCallback(StrEnum):
    REASON = "approval_reason"
    DETAILS = "approval_details_view"
    DELEGATE = "delegation_form"
    REASSIGN = "approval_reassign_form"
    BULK = "approval_bulk_form"


class IntakeShortcut(StrEnum):
    NEW_REQUEST = "new_request"
    INQUIRY_FROM_MESSAGE = "inquiry_from_message"


class IntakeAction(StrEnum):
    PICK_TYPE = "intake_pick_type"
    FIELD = "value"  # the action_id of every form input; its block_id names the field


class IntakeCallback(StrEnum):
    TYPE_PICKER = "intake_type_picker"
    REQUEST_FORM = "intake_request_form"
    RECEIVED = "intake_received"


class IntakeBlock(StrEnum):
    FIELD_PREFIX = "field_"  # + field key


class ReceiptAction(StrEnum):
    SEND_FILES = "receipt_send_files"  # value: the ticket id
    SEARCH = "receipt_search"  # App Home: open the search form


class ReceiptCallback(StrEnum):
    SEARCH = "receipt_search_form"
    RESULTS = "receipt_search_results"


class ReceiptBlock(StrEnum):
    DATE_FROM = "receipt_date_from"
    DATE_TO = "receipt_date_to"
    AMOUNT_MIN = "receipt_amount_min"
    AMOUNT_MAX = "receipt_amount_max"
    COUNTERPARTY = "receipt_counterparty"
    NUMBER = "receipt_invoice_number"


class TicketAction(StrEnum):
    CLAIM = "ticket_claim"
    ASSIGN = "ticket_assign"
    HOLD = "ticket_hold"
    RESOLVE = "ticket_resolve"
    REROUTE = "ticket_reroute"
    DETAILS = "ticket_details"
    ANSWER = "ticket_answer"
    WITHDRAW = "ticket_withdraw"
    RATE = "ticket_rate"  # + _1 … _5


class TicketCallback(StrEnum):
    ASSIGN = "ticket_assign_form"
    HOLD = "ticket_hold_form"
    RESOLVE = "ticket_resolve_form"
    REROUTE = "ticket_reroute_form"
    ANSWER = "ticket_answer_form"
    DETAILS = "ticket_details_view"


class TicketBlock(StrEnum):
    ASSIGNEE = "ticket_assignee"
    QUESTION = "ticket_question"
    NOTE = "ticket_note"
    DEPARTMENT = "ticket_department"
    REASON = "ticket_reason"
    ANSWER = "ticket_answer_text"
