"""Domain errors. Services raise these; one Bolt error handler turns each into a message in the
user's language (a modal field error, an ephemeral message, or a command reply)."""

from __future__ import annotations

from typing import Any

from bot.i18n import t


class DomainError(Exception):
    key = "errors.generic"
    # True when the person needs no answer at all: e.g. their own repeat click of a decision that
    # already went through (the message they clicked is being updated in place anyway).
    silent = False

    def __init__(self, message: str = "", **params: Any):
        super().__init__(message or self.key)
        self.params = params

    def message(self, locale: str) -> str:
        return t(locale, self.key, **self.params)


class NotAuthorized(DomainError):
    key = "errors.not_authorized"


class AlreadyDecided(DomainError):
    key = "errors.already_decided"

    def __init__(self, who: str, when: str):
        super().__init__(f"already decided by {who} at {when}", who=who, when=when)


class InvalidTransition(DomainError):
    key = "errors.invalid_transition"

    def __init__(self, status: str, action: str = ""):
        super().__init__(f"cannot {action} while {status}", status=status, action=action)

    def message(self, locale: str) -> str:
        status = t(locale, f"status.{self.params['status']}")
        if status.startswith("status."):
            status = self.params["status"]
        return t(locale, self.key, status=status)


class NotFound(DomainError):
    key = "errors.not_found"


class ValidationFailed(DomainError):
    """Field errors keyed by the input block they belong to, already in the user's language."""

    key = "errors.validation_failed"

    def __init__(self, field_errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in field_errors.items()),
                         detail="; ".join(field_errors.values()))
        self.field_errors = field_errors


class BadValue(DomainError):
    """A button value or modal metadata that is not the pointer we put there (stale or tampered):
    the click is refused politely, never a traceback."""

    key = "errors.bad_value"
