"""What a person does in the playground's Slack, turned into the requests Slack would send the bot.

Each method stores what Slack itself would store (the person's message, a reaction), sends the bot the
signed request Slack would send (Events API, slash command, interactivity), and applies the bot's
immediate answer the way Slack applies it (a command's ephemeral reply, a view_submission's
response_action). Every failure comes back as a `problem` the UI shows; nothing is dropped silently."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.fakeslack import BOT_USER_ID, events
from bot.fakeslack.api_chat import bot_message
from bot.fakeslack.api_views import push_view, update_view
from bot.fakeslack.requests import Reply
from bot.fakeslack.state import ApiError

if TYPE_CHECKING:
    from bot.playground.stage import Stage

# "@madoguchi" / "＠窓口" typed in the composer becomes the mention markup Slack would send.
MENTION = re.compile(r"[@＠](madoguchi|窓口)\b", re.IGNORECASE)
ACTION_KEYS = ("selected_option", "selected_options", "selected_user", "selected_users", "selected_date",
               "selected_time", "selected_conversation", "selected_channel", "text")


class PlaygroundError(Exception):
    """A request the UI should not have sent (unknown person, message or view): answered with 400."""

    def __init__(self, problem: str, detail: str = "") -> None:
        super().__init__(f"{problem}: {detail}" if detail else problem)
        self.problem = problem
        self.detail = detail


@dataclass
class Outcome:
    ok: bool = True
    problem: str | None = None  # a code the UI words in the visitor's language
    detail: str = ""
    errors: dict[str, str] = field(default_factory=dict)  # view_submission response_action: errors

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": self.ok}
        if self.problem:
            body.update(problem=self.problem, detail=self.detail)
        if self.errors:
            body["errors"] = self.errors
        return body


def _checked(reply: Reply) -> Outcome:
    if reply.status != 200:
        return Outcome(ok=False, problem="bot_status", detail=str(reply.status))
    return Outcome()


class Actor:
    def __init__(self, playground: Stage) -> None:
        self.pg = playground

    @property
    def slack(self) -> Any:
        return self.pg.slack

    def _person(self, user: str) -> None:
        if self.pg.config.person_for_slack_id(user) is None:
            raise PlaygroundError("unknown_user", user)

    def _message(self, channel: str, ts: str) -> dict[str, Any]:
        message = self.slack.message(channel, ts)
        if message is None:
            raise PlaygroundError("unknown_message", f"{channel}/{ts}")
        return message

    def _changed(self) -> None:
        self.pg.changes.bump()

    # -- messages ----------------------------------------------------------------------------------
    def say(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> Outcome:
        """A message in a DM with the bot (the bot hears all of it) or in a channel (only a mention)."""
        self._person(user)
        text = MENTION.sub(f"<@{BOT_USER_ID}>", text.strip())
        if not text:
            raise PlaygroundError("empty_message")
        if channel == "dm":
            channel = self.slack.dm_channel(user)
        stored = self.slack.user_says(channel, user, text, thread_ts=thread_ts)
        self._changed()
        if stored["channel_type"] == "im":
            return _checked(self.pg.requester.event(stored))
        if f"<@{BOT_USER_ID}>" not in text:
            return Outcome()  # the app subscribes to app_mention, not to every channel message
        mention = {k: stored[k] for k in ("user", "text", "ts", "team", "channel", "event_ts")}
        mention["type"] = "app_mention"
        if stored.get("thread_ts"):
            mention["thread_ts"] = stored["thread_ts"]
        return _checked(self.pg.requester.event(mention))

    def command(self, user: str, channel: str, text: str) -> Outcome:
        """`/helpdesk text`: the ack's body is what Slack shows (ephemeral unless in_channel)."""
        self._person(user)
        if channel == "dm":
            channel = self.slack.dm_channel(user)
        reply = self.pg.requester.command(
            user_id=user, text=text.strip(), channel_id=channel, channel_name=channel.lower(),
            trigger_id=self.slack.issue_trigger(user), response_url=self.slack.response_url(channel, user))
        outcome = _checked(reply)
        if outcome.ok:
            body = reply.body
            if isinstance(body, str) and body.strip():
                body = {"text": body}
            if isinstance(body, dict) and (body.get("text") or body.get("blocks")):
                self._show_reply(channel, user, body)
        return outcome

    def _show_reply(self, channel: str, user: str, body: dict[str, Any]) -> None:
        ws = self.slack.workspace
        with ws.lock:
            message = bot_message(ws, body, ws.ts.next())
            if body.get("response_type") == "in_channel":
                ws.add_message(channel, message)
            else:
                message["channel"] = channel
                ws.ephemerals.setdefault(user, []).append(message)
        self._changed()

    def dismiss(self, user: str, ts: str) -> Outcome:
        """Ephemeral messages can be dismissed, as in Slack ("Only visible to you — Dismiss")."""
        ws = self.slack.workspace
        with ws.lock:
            ws.ephemerals[user] = [m for m in ws.ephemerals.get(user, []) if m["ts"] != ts]
        self._changed()
        return Outcome()

    def react(self, user: str, channel: str, ts: str, reaction: str) -> Outcome:
        """Add (or take back) a reaction; Slack tells the app only about additions."""
        self._person(user)
        ws = self.slack.workspace
        with ws.lock:
            message = ws.find_message(channel, ts)
            if message is None:
                raise PlaygroundError("unknown_message", f"{channel}/{ts}")
            reactions = message.setdefault("reactions", [])
            entry = next((r for r in reactions if r["name"] == reaction), None)
            if entry is None:
                entry = {"name": reaction, "users": [], "count": 0}
                reactions.append(entry)
            added = user not in entry["users"]
            if added:
                entry["users"].append(user)
            else:
                entry["users"].remove(user)
            entry["count"] = len(entry["users"])
            message["reactions"] = [r for r in reactions if r["count"]]
            author = message.get("user")
        self._changed()
        if not added:
            return Outcome()
        event = events.reaction_added(user=user, reaction=reaction, channel=channel, item_ts=ts, item_user=author)
        return _checked(self.pg.requester.event(event))

    # -- shortcuts and App Home --------------------------------------------------------------------
    def shortcut(self, user: str, callback_id: str, channel: str | None = None, ts: str | None = None) -> Outcome:
        self._person(user)
        trigger = self.slack.issue_trigger(user)
        if channel and ts:
            message = self._message(channel, ts)
            reply = self.pg.requester.message_shortcut(
                callback_id=callback_id, user_id=user, channel_id=channel, message=message, trigger_id=trigger,
                response_url=self.slack.response_url(channel, user, ts))
        else:
            reply = self.pg.requester.global_shortcut(callback_id=callback_id, user_id=user, trigger_id=trigger)
        return _checked(reply)

    def open_home(self, user: str) -> Outcome:
        self._person(user)
        event = events.app_home_opened(user=user, view=self.slack.home_view(user))
        event["channel"] = self.slack.dm_channel(user)
        return _checked(self.pg.requester.event(event))

    # -- interactivity ---------------------------------------------------------------------------
    def act(self, user: str, where: dict[str, Any], action: dict[str, Any],
            state: dict[str, Any] | None = None) -> Outcome:
        """A button, select, overflow or date pick in a message, an ephemeral message, a modal or Home."""
        self._person(user)
        action_id = str(action.get("action_id") or "")
        if not action_id:
            raise PlaygroundError("bad_action", "action_id missing")
        common: dict[str, Any] = {
            "user_id": user, "action_id": action_id, "value": action.get("value"),
            "block_id": str(action.get("block_id") or "actions"), "action_type": str(action.get("type") or "button"),
            "action_extra": {k: action[k] for k in ACTION_KEYS if k in action},
            "trigger_id": self.slack.issue_trigger(user),
        }
        kind = where.get("kind")
        if kind == "message":
            channel, ts = str(where.get("channel")), str(where.get("ts"))
            message = self._message(channel, ts)
            reply = self.pg.requester.block_action(
                **common, channel_id=channel, message=message, response_url=self.slack.response_url(channel, user, ts))
        elif kind == "ephemeral":
            channel, ts = str(where.get("channel")), str(where.get("ts"))
            reply = self.pg.requester.block_action(
                **common, channel_id=channel, message_ts=ts, response_url=self.slack.response_url(channel, user, ts))
        elif kind == "view":
            view = self._own_view(user, str(where.get("view_id")))
            if state is not None:
                view["state"] = {"values": state.get("values", state)}
            reply = self.pg.requester.block_action(**common, view=view)
        else:
            raise PlaygroundError("bad_action", f"unknown place {kind!r}")
        return _checked(reply)

    def _own_view(self, user: str, view_id: str) -> dict[str, Any]:
        view = self.slack.view(view_id)
        owner = self.slack.workspace.view_owner.get(view_id)
        if view is None or owner != user:
            raise PlaygroundError("unknown_view", view_id)
        return view

    def submit(self, user: str, view_id: str, values: dict[str, Any]) -> Outcome:
        """The modal's submit button: send view_submission, then do what the bot's answer says."""
        self._person(user)
        view = self._own_view(user, view_id)
        reply = self.pg.requester.view_submission(user_id=user, view=view, values=values)
        outcome = _checked(reply)
        if not outcome.ok:
            return outcome
        body = reply.body if isinstance(reply.body, dict) else {}
        action = body.get("response_action")
        if action == "errors":
            return Outcome(errors={str(k): str(v) for k, v in (body.get("errors") or {}).items()})
        ws = self.slack.workspace
        try:
            with ws.lock:
                if action == "update":
                    update_view(ws, {"view_id": view_id, "view": body.get("view")})
                elif action == "push":
                    push_view(ws, {"trigger_id": ws.issue_trigger(user), "view": body.get("view")})
                elif action == "clear":
                    ws.modal_stacks.pop(user, None)
                else:
                    _pop(ws, user, view_id)
        except ApiError as exc:  # the bot answered with a view Slack would refuse: say so
            return Outcome(ok=False, problem="bad_view", detail=f"{exc.error} {' '.join(exc.messages)}".strip())
        finally:
            self._changed()
        return outcome

    def close(self, user: str, view_id: str) -> Outcome:
        """The modal's close button: the view goes, and the bot hears of it if it asked to."""
        self._person(user)
        view = self._own_view(user, view_id)
        with self.slack.workspace.lock:
            _pop(self.slack.workspace, user, view_id)
        self._changed()
        if view.get("notify_on_close"):
            return _checked(self.pg.requester.view_closed(user_id=user, view=copy.deepcopy(view)))
        return Outcome()


def _pop(ws: Any, user: str, view_id: str) -> None:
    """Close `view_id`: the root takes the whole stack with it, a pushed view goes back one step."""
    stack = ws.modal_stacks.get(user) or []
    if view_id not in stack or stack.index(view_id) == 0:
        ws.modal_stacks.pop(user, None)
    else:
        del stack[stack.index(view_id):]
