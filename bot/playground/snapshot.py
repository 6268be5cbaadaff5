"""What the web UI shows one person: their conversations, the open one's messages, their modals and
their App Home — read from the fake Slack's recorded state, in Slack's own shapes plus display hints."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.fakeslack import BOT_USER_ID
from bot.playground.people import rooms

if TYPE_CHECKING:
    from bot.playground.stage import Stage

WEEKDAYS = {"ja": "月火水木金土日", "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]}
HOME = "home"


def time_label(moment: datetime, tz: str) -> str:
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local:%Y/%m/%d}({WEEKDAYS['ja'][local.weekday()]}) {local:%H:%M}"


def _ts_time(ts: str, tz: str) -> str:
    try:
        moment = datetime.fromtimestamp(float(ts), UTC)
    except ValueError:
        return ""
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local:%m/%d}({WEEKDAYS['ja'][local.weekday()]}) {local:%H:%M}"


class Snapshot:
    def __init__(self, playground: Stage) -> None:
        self.pg = playground

    @property
    def tz(self) -> str:
        return self.pg.config.calendar.timezone

    def names(self) -> dict[str, str]:
        names = {p.slack_id: p.name for p in self.pg.config.org.people if p.slack_id}
        names[BOT_USER_ID] = "窓口 madoguchi"
        return names

    def conversations(self, user: str) -> list[dict[str, Any]]:
        slack = self.pg.slack
        dm = slack.dm_channel(user)
        found = [{"id": dm, "kind": "dm", "name": "madoguchi", "count": len(slack.messages(dm))}]
        for room in rooms(self.pg.config):
            found.append({**room.to_json(), "count": len(slack.messages(room.id))})
        return found

    def message(self, message: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
        shown = dict(message)
        shown["user_name"] = names.get(message.get("user", ""), message.get("user", ""))
        shown["is_bot"] = bool(message.get("bot_id"))
        shown["time"] = _ts_time(message["ts"], self.tz)
        shown["files"] = [{**f, "url": f"/api/files/{f['id']}"} for f in message.get("files", [])]
        return shown

    def messages(self, channel: str, user: str) -> list[dict[str, Any]]:
        """Top-level messages in order, each with its thread replies; the user's ephemerals where they fell."""
        names = self.names()
        everything = self.pg.slack.messages(channel)
        top: list[dict[str, Any]] = []
        by_ts: dict[str, dict[str, Any]] = {}
        for m in everything:
            shown = self.message(m, names)
            parent = m.get("thread_ts")
            if parent and parent != m["ts"] and parent in by_ts:
                by_ts[parent].setdefault("replies", []).append(shown)
                continue
            shown["replies"] = []
            by_ts[m["ts"]] = shown
            top.append(shown)
        for e in self.pg.slack.ephemerals(user):
            if e.get("channel") != channel:
                continue
            shown = self.message(e, names)
            shown["ephemeral"] = True
            parent = e.get("thread_ts")
            if parent and parent in by_ts:
                by_ts[parent].setdefault("replies", []).append(shown)
            else:
                shown["replies"] = []
                top.append(shown)
        top.sort(key=lambda m: float(m["ts"]))
        for m in top:
            m["replies"].sort(key=lambda r: float(r["ts"]))
        return top

    def state_now(self) -> str:
        return time_label(self.pg.clock.now(), self.tz)

    def state(self, user: str, conversation: str | None) -> dict[str, Any]:
        slack = self.pg.slack
        conversation = slack.dm_channel(user) if conversation in (None, "", "dm") else conversation
        body: dict[str, Any] = {
            "version": self.pg.changes.version,
            "now": self.state_now(),
            "now_iso": self.pg.clock.now().isoformat(),
            "offset_hours": round(self.pg.clock.offset.total_seconds() / 3600, 2),
            "conversations": self.conversations(user),
            "conversation": conversation,
            "modals": slack.modal_stack(user),
        }
        if conversation == HOME:
            body["home"] = slack.home_view(user)
        else:
            body["messages"] = self.messages(conversation, user)
        return body

    def bootstrap(self) -> dict[str, Any]:
        from bot.manifest import manifest
        from bot.playground.people import personas

        features = manifest(self.pg.config, socket_mode=True)["features"]
        return {
            "personas": [p.to_json() for p in personas(self.pg.config)],
            "rooms": [r.to_json() for r in rooms(self.pg.config)],
            "shortcuts": features["shortcuts"],
            "command": features["slash_commands"][0]["command"],
            "bot": {"id": BOT_USER_ID, "name": "madoguchi"},
            "names": self.names(),
            "ticket_reaction": self.pg.config.routing.ticket_reaction,
            "digest": {"weekday": self.pg.config.digest.weekday, "at": f"{self.pg.config.digest.at:%H:%M}"},
            "timezone": self.tz,
        }
