"""Request forms as data: reading a submitted modal, validating it in the user's language, showing it.

The same functions validate what Slack sends (view_submission) and, again, what the service is
asked to store, so nothing reaches a ticket unchecked."""

from bot.forms.display import display_value, field_rows, title_for, yen
from bot.forms.state import block_id, field_key, read_state
from bot.forms.validate import validate_form

__all__ = [
    "block_id",
    "display_value",
    "field_key",
    "field_rows",
    "read_state",
    "title_for",
    "validate_form",
    "yen",
]
