"""Who can be played, and which channels exist: both come from the workspace config, so the
playground shows the visitor's own org, desks and help channels (the bundled example by default)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.config import WorkspaceConfig
from bot.fakeslack import FakeChannel, FakeUser

# What a role key means to a visitor; an unknown key is shown as it is.
ROLE_LABELS: dict[str, dict[str, str]] = {
    "manager": {"ja": "上長", "en": "Manager"},
    "finance_lead": {"ja": "経理責任者", "en": "Finance lead"},
    "cfo": {"ja": "CFO", "en": "CFO"},
    "hr_lead": {"ja": "人事責任者", "en": "HR lead"},
    "legal_lead": {"ja": "法務責任者", "en": "Legal lead"},
    "it_lead": {"ja": "IT責任者", "en": "IT lead"},
    "backoffice_admin": {"ja": "バックオフィス管理者", "en": "Back-office admin"},
}
EMPLOYEE = {"ja": "社員", "en": "Employee"}
ADMIN = {"ja": "管理者", "en": "Admin"}


@dataclass(frozen=True)
class Persona:
    id: str
    key: str
    name: str
    locale: str  # "ja" | "en"
    roles: dict[str, list[str]] = field(default_factory=dict)  # locale → labels

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "key": self.key, "name": self.name, "locale": self.locale, "roles": self.roles}


@dataclass(frozen=True)
class Room:
    """A channel of the playground's workspace: a department's triage desk, the digest, a help channel."""

    id: str
    name: str
    kind: str  # "triage" | "digest" | "help"
    topic: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind, "topic": self.topic}


def personas(config: WorkspaceConfig) -> list[Persona]:
    """Everyone in the org with a Slack id, in config order, each with what they do here."""
    agent_of: dict[str, list[Any]] = {}
    for dept in config.departments:
        for key in dept.agents:
            agent_of.setdefault(key, []).append(dept)
    found = []
    for person in config.org.people:
        if not person.slack_id:
            continue
        locale = person.locale or config.default_locale
        labels: dict[str, list[str]] = {"ja": [], "en": []}
        for role in person.roles:
            for lang in labels:
                labels[lang].append(ROLE_LABELS.get(role, {}).get(lang, role))
        for dept in agent_of.get(person.key, []):
            labels["ja"].append(f"{dept.name.get('ja')} 担当")
            labels["en"].append(f"{dept.name.get('en')} agent")
        if person.key in config.admins:
            for lang in labels:
                labels[lang].append(ADMIN[lang])
        if not labels["ja"]:
            for lang in labels:
                labels[lang].append(EMPLOYEE[lang])
        found.append(Persona(id=person.slack_id, key=person.key, name=person.name, locale=locale, roles=labels))
    return found


def fake_users(config: WorkspaceConfig) -> list[FakeUser]:
    """The fake Slack's directory: users.info answers with each person's name and language."""
    return [
        FakeUser(id=p.id, name=p.key, real_name=p.name, email=_email(config, p.key),
                 locale="en-US" if p.locale == "en" else "ja-JP", is_admin=p.key in config.admins)
        for p in personas(config)
    ]


def _email(config: WorkspaceConfig, key: str) -> str | None:
    person = config.org.by_key(key)
    return person.email if person else None


def rooms(config: WorkspaceConfig) -> list[Room]:
    """Triage channels in department order, then the digest channel, then help channels (🎫 works there)."""
    found: dict[str, Room] = {}
    for dept in config.departments:
        found.setdefault(dept.triage_channel, Room(
            id=dept.triage_channel, name=f"{dept.key.replace('_', '-')}-desk", kind="triage",
            topic={"ja": f"{dept.name.get('ja')}の受付", "en": f"{dept.name.get('en')} triage"}))
    if config.digest.channel:
        found.setdefault(config.digest.channel, Room(
            id=config.digest.channel, name="backoffice-digest", kind="digest",
            topic={"ja": "週次ダイジェスト", "en": "Weekly digest"}))
    for n, channel in enumerate(config.routing.help_channels):
        found.setdefault(channel, Room(
            id=channel, name="help" if n == 0 else f"help-{n + 1}", kind="help",
            topic={"ja": "なんでも質問 (🎫 で問い合わせに)", "en": "Ask anything (🎫 makes an inquiry)"}))
    return list(found.values())


def fake_channels(config: WorkspaceConfig) -> list[FakeChannel]:
    everyone = [p.id for p in personas(config)]
    return [FakeChannel(id=r.id, name=r.name, members=list(everyone)) for r in rooms(config)]
