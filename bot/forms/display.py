"""How a form's values read back to people: option labels, yen amounts, dates, user mentions, links.

Everything a user typed is escaped for mrkdwn, so `<!channel>` in a request cannot ping a channel."""

from __future__ import annotations

from typing import Any

from bot.config.catalog import RequestType
from bot.config.workspace import WorkspaceConfig
from bot.i18n.dates import format_date
from bot.i18n.mrkdwn import Mrkdwn, escape, link, mention


def yen(amount: Any) -> str:
    try:
        return f"¥{int(amount):,}"
    except (TypeError, ValueError):
        return str(amount)


def file_size(size: Any) -> str:
    """1.2 MB, 340 KB, 512 B: a size people read, the same in both languages."""
    try:
        n = int(size)
    except (TypeError, ValueError):
        return ""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{round(n / 1024)} KB"
    return f"{n} B"


def display_value(rt: RequestType, key: str, value: Any, locale: str, config: WorkspaceConfig) -> str:
    """Plain text for a stored value (titles, templates, modal read-outs)."""
    f = rt.field(key)
    if value is None or value == "" or value == []:
        return ""
    if f is None:
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    if f.type == "amount":
        return yen(value)
    if f.type == "number":
        return f"{value:,}" if isinstance(value, int | float) else str(value)
    if f.type == "date":
        return format_date(value, locale)
    if f.type in ("select", "multiselect", "checkboxes"):
        labels = [f.option_label(str(v), locale) for v in (value if isinstance(value, list) else [value])]
        return ("、" if locale == "ja" else ", ").join(labels)
    if f.type == "department":
        department = config.department(str(value))
        return department.name.get(locale) if department else str(value)
    if f.type == "file":
        files = [v for v in (value if isinstance(value, list) else []) if isinstance(v, dict)]
        return ("、" if locale == "ja" else ", ").join(f"{v.get('name')} ({file_size(v.get('size'))})" for v in files)
    if f.type == "user":
        person = config.person_for_slack_id(str(value))
        return person.name if person else str(value)
    return str(value)


def mrkdwn_value(rt: RequestType, key: str, value: Any, locale: str, config: WorkspaceConfig) -> Mrkdwn:
    f = rt.field(key)
    if f is not None and f.type == "user" and value:
        return mention(str(value))
    if f is not None and f.type == "url" and value:
        return link(str(value))
    return escape(display_value(rt, key, value, locale, config))


def field_rows(rt: RequestType, values: dict[str, Any], locale: str, config: WorkspaceConfig) -> list[tuple[str, str]]:
    """(label, mrkdwn value) for every filled field, in form order."""
    rows = []
    for f in rt.fields:
        if f.key in values and values[f.key] not in (None, "", []):
            rows.append((f.label.get(locale), mrkdwn_value(rt, f.key, values[f.key], locale, config)))
    return rows


def title_for(rt: RequestType, values: dict[str, Any], locale: str, config: WorkspaceConfig) -> str:
    parts = [display_value(rt, k, values.get(k), locale, config) for k in rt.title_fields]
    title = " / ".join(p.replace("\n", " ") for p in parts if p) or rt.name.get(locale)
    return title[:199] + "…" if len(title) > 200 else title
