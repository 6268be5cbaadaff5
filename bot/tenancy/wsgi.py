"""The WSGI application of OAuth mode: the install flow, and every signed request handed to its workspace's desk.

`POST /slack/events` passes the same gate as in single-workspace mode (bot/gate.py: size cap, signature on
the raw bytes) before anything reads it; only then are the team and enterprise ids taken from the body
(Bolt parses them into the request's context) to pick the desk. `app_uninstalled` and a `tokens_revoked`
naming bot tokens are handled here, for any desk: tokens deleted, the desk stopped. A request for a
workspace with no installation (or no config yet) gets 200 and nothing else, so Slack does not retry it;
a slash command gets one line saying the desk is not set up."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.oauth import OAuthFlow

from bot.gate import Gate, request_headers
from bot.server import EVENTS_PATH, answer, respond, slack_request
from bot.tenancy.oauth import INSTALL_PATH, REDIRECT_PATH
from bot.tenancy.teams import DeskUnavailable, Teams
from models.db import Prober

log = logging.getLogger(__name__)
UNINSTALL_EVENTS = frozenset({"app_uninstalled", "tokens_revoked"})
UNAVAILABLE = ("madoguchi は今応答できません。しばらくしてからもう一度お試しください。\n"
               "madoguchi cannot answer right now; please try again in a moment.")
NOT_SET_UP = ("madoguchi はこのワークスペースではまだ設定されていません。管理者にお問い合わせください。\n"
              "madoguchi is not set up for this workspace yet; please ask your administrator.")


class TeamsWsgiApp:
    def __init__(self, teams: Teams, flow: OAuthFlow, registry: Any, *, signing_secret: str) -> None:
        self._teams = teams
        self._flow = flow
        self._gate = Gate(signing_secret)
        self._database = Prober(registry)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD")
        if path == "/healthz" and method in ("GET", "HEAD"):
            up = self._database.up()
            body = json.dumps({"ok": up, "database": "up" if up else "down", "workspaces": len(self._teams.keys())})
            return answer(start_response, 200 if up else 503, body.encode())
        if path in (INSTALL_PATH, REDIRECT_PATH):
            if method != "GET":
                return answer(start_response, 405, b'{"error": "method not allowed"}')
            request = BoltRequest(body="", query=environ.get("QUERY_STRING", ""), headers=request_headers(environ))
            handle = self._flow.handle_installation if path == INSTALL_PATH else self._flow.handle_callback
            return respond(start_response, handle(request))
        if path != EVENTS_PATH:
            return answer(start_response, 404, b'{"error": "not found"}')
        return slack_request(environ, start_response, self._gate, self._dispatch)

    def _dispatch(self, request: BoltRequest) -> BoltResponse:
        context = request.context
        enterprise_id, team_id = context.enterprise_id, context.team_id
        org = bool(context.is_enterprise_install)
        body = request.body if isinstance(request.body, dict) else {}
        event = body.get("event") if body.get("type") == "event_callback" else None
        if isinstance(event, dict) and event.get("type") in UNINSTALL_EVENTS:
            revoked_bots = (event.get("tokens") or {}).get("bot") if event["type"] == "tokens_revoked" else True
            if revoked_bots:
                self._teams.uninstall(enterprise_id, team_id, org)
            return BoltResponse(status=200, body="")
        try:
            app = self._teams.app_for(enterprise_id, team_id, org)
        except DeskUnavailable:  # logged where it happened; Slack retries an event answered 503
            if body.get("command"):
                return BoltResponse(status=200, body={"response_type": "ephemeral", "text": UNAVAILABLE})
            return BoltResponse(status=503, body="")
        if app is None:
            log.warning("a request for workspace %s, which has no desk (not installed, or no config)",
                        (enterprise_id if org else team_id) or "?")
            if body.get("command"):
                return BoltResponse(status=200, body={"response_type": "ephemeral", "text": NOT_SET_UP})
            return BoltResponse(status=200, body="")
        return app.dispatch(request)

