"""Bolt's body-only built-in matchers are called with the body alone; routing stays the same."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from slack_bolt import App, BoltRequest
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.listener_matcher.builtins import BuiltinListenerMatcher

from bot.bolt_matchers import BodyOnlyMatcher, fast_builtin_matchers


def click(action_id: str) -> BoltRequest:
    payload = {"type": "block_actions", "user": {"id": "U1"}, "team": {"id": "T1"}, "trigger_id": "1.2.3",
               "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "value": "v"}]}
    return BoltRequest(body="payload=" + quote(json.dumps(payload)), mode="socket_mode")


def small_app(calls: list[str]) -> App:
    def authorize(enterprise_id, team_id, user_id) -> AuthorizeResult:  # no auth.test: nothing to reach
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token="xoxb-test")

    app = App(signing_secret="s", authorize=authorize, request_verification_enabled=False,
              process_before_response=True)

    @app.action("approve")
    def approve(ack) -> None:
        ack()
        calls.append("approve")

    def is_reject(action: dict) -> bool:  # a custom matcher asks for `action`: left as Bolt built it
        return action.get("action_id") == "reject"

    @app.action(re.compile(r"^re"), matchers=[is_reject])
    def reject(ack) -> None:
        ack()
        calls.append("reject")

    return app


def test_only_body_only_builtin_matchers_are_swapped():
    app = small_app([])
    swapped = fast_builtin_matchers(app)

    kinds = [type(m) for listener in app._listeners for m in listener.matchers]
    assert swapped == 2  # one built-in matcher per listener
    assert kinds.count(BodyOnlyMatcher) == 2
    assert BuiltinListenerMatcher not in kinds  # exact type: every built-in one became body-only
    assert len(kinds) == 3  # the custom matcher is still there


def test_clicks_reach_the_same_listeners_after_the_swap():
    calls: list[str] = []
    app = small_app(calls)
    fast_builtin_matchers(app)

    assert app.dispatch(click("approve")).status == 200
    assert app.dispatch(click("reject")).status == 200
    assert app.dispatch(click("unknown")).status == 404
    assert app.dispatch(click("resend")).status == 404  # the built-in regex matches, the custom one doesn't
    assert calls == ["approve", "reject"]
