"""Decoding Web API request bodies the way Slack accepts them from slack_sdk.

slack_sdk's WebClient sends `application/json` for methods carrying blocks/views (chat.postMessage,
chat.update, views.*), `application/x-www-form-urlencoded` for the rest (users.info, conversations.open,
files.completeUploadExternal …, with booleans as "1"/"0" and lists JSON-encoded), and multipart/form-data
when files are attached. Slack also accepts query-string parameters.
"""

from __future__ import annotations

import json
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

# Fields Slack expects as JSON text when sent form-encoded; decoded so tests assert on objects.
JSON_FIELDS = frozenset({"blocks", "attachments", "view", "files", "metadata", "unfurls", "user_auth_blocks"})


def decode_params(content_type: str | None, body: bytes, query: str = "") -> dict[str, Any]:
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type == "application/json":
        decoded = json.loads(body.decode("utf-8")) if body else {}
        if not isinstance(decoded, dict):
            raise ValueError("JSON body must be an object")
        params.update(decoded)
    elif media_type == "multipart/form-data":
        params.update(_decode_multipart(content_type or "", body))
    elif body:
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return {key: _maybe_json(key, value) for key, value in params.items()}


def _maybe_json(key: str, value: Any) -> Any:
    if key in JSON_FIELDS and isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value  # leave malformed JSON as sent; the method answers invalid_arguments
    return value


def _decode_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        fields[str(name)] = payload if part.get_filename() else payload.decode("utf-8")
    return fields


def truthy(value: Any) -> bool:
    """Slack's boolean parameters arrive as true/false (JSON) or "1"/"0"/"true" (form)."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def bearer_token(headers: dict[str, str], params: dict[str, Any]) -> str | None:
    for name, value in headers.items():
        if name.lower() == "authorization" and value.lower().startswith("bearer "):
            return value[7:].strip()
    token = params.get("token")
    return token if isinstance(token, str) and token else None
