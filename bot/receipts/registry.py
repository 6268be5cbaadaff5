"""Was this 登録番号 a registered 適格請求書発行事業者 on the transaction date? The 国税庁 Web-API answers
(「登録番号と日付を指定して情報を取得する機能」: GET {NTA_API_URL}valid?id=…&number=T…&day=YYYY-MM-DD&type=21).

Only when an application id is configured (NTA_APPLICATION_ID), and never in the way: the lookup has a short
timeout, and an unreachable or strange answer is recorded as "unknown", never as a refusal. Every answer goes
into the audit chain with the ticket, so what the company knew at the time is evidence too."""

from __future__ import annotations

import json
import logging
import urllib.request
from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.error import URLError
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from bot import audit
from bot.config.catalog import ReceiptSpec

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

CHECKED = "receipt.registration_checked"
TIMEOUT_S = 1.0
REGISTERED, NOT_REGISTERED, UNKNOWN = "registered", "not_registered", "unknown"


@dataclass(frozen=True)
class Registration:
    number: str
    day: str
    status: str  # registered | not_registered | unknown
    name: str | None = None
    basis: str = ""  # why, in the registry's terms: the registration / expiry / cancellation date, or the error


def look_up(api_url: str, application_id: str, number: str, day: date, *, timeout: float = TIMEOUT_S,
            ) -> Registration:
    query = urlencode({"id": application_id, "number": number, "day": day.isoformat(), "type": "21"})
    try:
        with urllib.request.urlopen(f"{api_url}valid?{query}", timeout=timeout) as answer:
            data = json.loads(answer.read(1_000_000))
    except (URLError, OSError, ValueError) as exc:
        log.warning("registration lookup failed: %s", type(exc).__name__)
        return Registration(number, day.isoformat(), UNKNOWN, basis=type(exc).__name__)
    return read(data, number, day)


def read(data: Any, number: str, day: date) -> Registration:
    """The registry's answer, as registered or not on `day` (a `process` of 03 is 失効, 04 取消)."""
    on = day.isoformat()
    entries = data.get("announcement") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not str(data.get("count", "")).isdigit():
        return Registration(number, on, UNKNOWN, basis="unreadable answer")
    entry = next((e for e in entries if isinstance(e, dict) and e.get("registratedNumber") == number), None)
    if entry is None:
        return Registration(number, on, NOT_REGISTERED, basis="no registration on that day")
    name = str(entry.get("name") or "") or None
    registered_on = str(entry.get("registrationDate") or "")
    expired_on, cancelled_on = str(entry.get("expireDate") or ""), str(entry.get("disposalDate") or "")
    if registered_on and registered_on > on:
        return Registration(number, on, NOT_REGISTERED, name, f"registered from {registered_on}")
    if expired_on and expired_on <= on:
        return Registration(number, on, NOT_REGISTERED, name, f"expired on {expired_on}")
    if cancelled_on and cancelled_on <= on:
        return Registration(number, on, NOT_REGISTERED, name, f"cancelled on {cancelled_on}")
    return Registration(number, on, REGISTERED, name, f"registered from {registered_on or '?'}")


def lookup_for(services: Services, spec: ReceiptSpec | None, values: dict[str, Any]) -> Registration | None:
    """The registry's answer for a submission's 登録番号 on its transaction date, when the registry is configured
    and the form keeps a receipt record with a number; asked before the submission writes anything."""
    key = services.settings.nta_application_id
    if key is None or spec is None or not spec.invoice_number or not values.get(spec.files):
        return None
    number, day = values.get(spec.invoice_number), values.get(spec.date)
    if not number or not day:
        return None
    return look_up(services.settings.nta_api_url, key.get_secret_value(), str(number), date.fromisoformat(str(day)))


def record(session: Session, services: Services, ticket_id: int, found: Registration, actor: str) -> None:
    audit.record(session, actor=actor, action=CHECKED, subject=f"invoice_number:{found.number}", ticket_id=ticket_id,
                 at=services.clock.now(), after=asdict(found))


def last_check(session: Session, ticket_id: int) -> Registration | None:
    events = audit.events(session, action=CHECKED, ticket_id=ticket_id)
    if not events or not isinstance(events[-1].after, dict):
        return None
    after = events[-1].after
    return Registration(**{k: after.get(k) for k in ("number", "day", "status", "name", "basis")})
