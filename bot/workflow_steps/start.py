"""A Workflow Builder run of 「madoguchi で承認」 becomes a request like one sent from the form: the same
validation, routing and approval chain (職務権限), the requester as its author. Inputs the form would refuse
end the run with the form's own words (functions.completeError), so the workflow's builder sees what to fix."""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.errors import DomainError, ValidationFailed
from bot.forms.state import field_key
from bot.i18n import t
from bot.i18n.mrkdwn import literal
from bot.ticket_states import PENDING_APPROVAL
from bot.tickets.submit import Origin, submit
from bot.workflow_steps.runs import NO_APPROVER, NOT_REQUIRED, failed, finished
from models import ApprovalStep, Ticket, WorkflowRun
from models.db import insert_ignore

if TYPE_CHECKING:
    from bot.services import Services

MAX_FIELDS_CHARS = 20_000
# `key: value` or `key=value`, split at whichever comes first (a value may hold either: a time, a URL).
FIELD_LINE = re.compile(r"\s*(?P<key>[^:=\s][^:=]*?)\s*[:=]\s*(?P<value>.*?)\s*$")
log = logging.getLogger(__name__)


class Refused(Exception):
    """Inputs no form could carry: an unknown request type, a requester outside the directory."""


def start(session: Session, services: Services, *, execution_id: str, callback_id: str,
          inputs: dict[str, Any]) -> WorkflowRun:
    """The run's request (made once: a retried event or a second delivery finds the run already there)."""
    insert_ignore(session, WorkflowRun, {"execution_id": execution_id[:64], "callback_id": callback_id[:64],
                                         "started_at": services.clock.now()})
    run = session.get(WorkflowRun, execution_id[:64], populate_existing=True)
    assert run is not None
    if run.ticket_id is not None or run.finished_at is not None:
        return run
    locale = services.config.default_locale
    try:
        with session.begin_nested():
            ticket = _submit(session, services, execution_id, inputs, locale)
    except Refused as exc:
        failed(session, services, run, str(exc))
        return run
    except ValidationFailed as exc:
        failed(session, services, run, _in_words(services, inputs, exc, locale))
        return run
    except DomainError as exc:  # e.g. an approval rule naming nobody (ApprovalConfigError)
        failed(session, services, run, literal(exc.message(locale)))
        return run
    except SQLAlchemyError:
        raise  # the database, not the run: Slack delivers the event again
    except Exception:
        # Anything else would roll the run back with the request and leave the workflow waiting for ever.
        ref = uuid.uuid4().hex[:8]
        log.exception("workflow run %s could not start (ref %s)", execution_id, ref)
        failed(session, services, run, literal(t(locale, "workflow.errors.internal", ref=ref)))
        return run
    run.ticket_id = ticket.id
    if ticket.status != PENDING_APPROVAL:
        # No rule applies to it, or every approver was passed over (the requester has no manager, or is the
        # only approver): what the form would do too, said apart so the workflow can tell the two.
        skipped = session.scalar(select(ApprovalStep.id).where(ApprovalStep.ticket_id == ticket.id).limit(1))
        finished(session, services, ticket, NO_APPROVER if skipped is not None else NOT_REQUIRED)
    return run


def _submit(session: Session, services: Services, execution_id: str, inputs: dict[str, Any], locale: str) -> Ticket:
    config = services.config
    requester = requester_of(inputs.get("requester"))
    if config.person_for_slack_id(requester) is None:
        raise Refused(literal(t(locale, "workflow.errors.requester", who=requester or "—")))
    key = str(inputs.get("request_type") or "").strip()
    rt = config.request_type(key)
    if rt is None:
        raise Refused(literal(t(locale, "workflow.errors.request_type", name=key or "—",
                                known=", ".join(r.key for r in config.request_types))))
    raw = fields_of(inputs.get("fields"))
    amount = inputs.get("amount")
    if amount not in (None, "") and rt.field("amount") is not None:
        raw["amount"] = int(amount) if isinstance(amount, float) and amount.is_integer() else amount
    for name, value in list(raw.items()):
        spec = rt.field(name)
        if spec is not None and spec.type in ("multiselect", "checkboxes") and isinstance(value, str):
            raw[name] = [part.strip() for part in value.split(",") if part.strip()]
    return submit(session, services, requester=requester, type_key=key, raw=raw, locale=locale,
                  submission_key=f"workflow:{execution_id}", origin=Origin(via="workflow"), actor=requester)


def requester_of(value: Any) -> str:
    """The user id in a user_context input ({"id": "U…", "secret": …}); anything else names nobody."""
    return str(value.get("id") or "") if isinstance(value, dict) else ""


def fields_of(text: Any) -> dict[str, Any]:
    """The `fields` input: a JSON object, or one `key: value` (or `key=value`) per line."""
    if isinstance(text, dict):
        return dict(text)
    text = str(text or "")[:MAX_FIELDS_CHARS].strip()
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return parsed
    return {m["key"]: m["value"] for line in text.splitlines() if (m := FIELD_LINE.match(line))}


def _in_words(services: Services, inputs: dict[str, Any], exc: ValidationFailed, locale: str) -> str:
    """The form's messages as plain text (Workflow Builder shows the error as typed): one line per field,
    its label and key (the key is what the workflow's builder writes in `fields`)."""
    rt = services.config.request_type(str(inputs.get("request_type") or "").strip())
    lines = [literal(t(locale, "workflow.errors.fields"))]
    for block, text in exc.field_errors.items():
        key = field_key(block)
        spec = rt.field(key) if rt is not None and key else None
        lines.append(f"{literal(spec.label.get(locale))}（{key}）: {literal(text)}" if spec is not None
                     else literal(text))
    return "\n".join(lines)
