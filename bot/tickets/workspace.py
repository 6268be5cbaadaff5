"""Small lookups every ticket service needs: today's date in the company's time zone, the department
keys, a request type that must exist."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from bot.config.catalog import RequestType
from bot.errors import DomainError

if TYPE_CHECKING:
    from bot.services import Services


class UnknownRequestType(DomainError):
    key = "form.errors.unknown_type"


def today(services: Services) -> date:
    return services.clock.now().astimezone(services.calendar.tz).date()


def department_keys(services: Services) -> tuple[str, ...]:
    return tuple(d.key for d in services.config.departments)


def request_type(services: Services, key: str) -> RequestType:
    rt = services.config.request_type(key)
    if rt is None:
        raise UnknownRequestType(f"no request type {key!r}")
    return rt
