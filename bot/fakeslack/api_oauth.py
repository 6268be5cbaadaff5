"""oauth.v2.access: a workspace (or an Enterprise Grid organisation) installs the app.

Shaped like Slack's reference: the app exchanges the one-time `code` from the redirect, with its
`client_id` and `client_secret` (form fields or HTTP Basic), for a bot token; the answer names the team,
the enterprise (null outside Grid), the bot user, the granted scopes and `is_enterprise_install`. A code
works once (`invalid_code` after, or when unknown); wrong credentials answer `invalid_client_id` /
`bad_client_secret`. Tests grant codes with `FakeSlackServer.grant_install`; the tokens issued are then
accepted by every method (auth.test answers with their team) until `uninstall` revokes them."""

from __future__ import annotations

import base64
from typing import Any

from bot.fakeslack.ids import random_suffix
from bot.fakeslack.state import ApiError, FakeWorkspace

CLIENT_ID = "1111111111.2222222222"
CLIENT_SECRET = "fake-client-secret-0123456789abcdef"


def grant(ws: FakeWorkspace, *, team_id: str | None, team_name: str, enterprise_id: str | None = None,
          enterprise_name: str | None = None, is_enterprise_install: bool = False, scope: str = "",
          installer: str = "U0INSTALLER") -> str:
    """What Slack does when an admin clicks Allow: a one-time code for the redirect."""
    code = "code-" + random_suffix(16)
    key = enterprise_id if is_enterprise_install else team_id
    token = f"xoxb-{key}-{random_suffix(24)}"
    ws.oauth_codes[code] = {
        "ok": True, "access_token": token, "token_type": "bot", "scope": scope,
        "bot_user_id": f"UB{key}"[:11], "app_id": ws.bot["app_id"],
        "team": None if is_enterprise_install else {"id": team_id, "name": team_name},
        "enterprise": {"id": enterprise_id, "name": enterprise_name or enterprise_id} if enterprise_id else None,
        "authed_user": {"id": installer}, "is_enterprise_install": is_enterprise_install,
    }
    ws.installed_tokens[token] = {
        "team_id": team_id, "team": team_name, "enterprise_id": enterprise_id, "user_id": f"UB{key}"[:11],
        "bot_id": f"BB{key}"[:11], "is_enterprise_install": is_enterprise_install,
    }
    return code


def revoke(ws: FakeWorkspace, token: str) -> None:
    """The app was uninstalled: its token answers token_revoked from now on."""
    if ws.installed_tokens.pop(token, None) is not None:
        ws.revoked_tokens.add(token)


def _credentials(p: dict[str, Any], headers: dict[str, str]) -> tuple[str, str]:
    for name, value in headers.items():
        if name.lower() == "authorization" and value.lower().startswith("basic "):
            user, _, password = base64.b64decode(value[6:].strip()).decode("utf-8", "replace").partition(":")
            return user, password
    return str(p.get("client_id") or ""), str(p.get("client_secret") or "")


def access(ws: FakeWorkspace, p: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    client_id, client_secret = _credentials(p, headers)
    if client_id != CLIENT_ID:
        raise ApiError("invalid_client_id")
    if client_secret != CLIENT_SECRET:
        raise ApiError("bad_client_secret")
    answer = ws.oauth_codes.pop(str(p.get("code") or ""), None)
    if answer is None:
        raise ApiError("invalid_code")
    return answer
