"""Fetching a file a person attached in a modal: files.info, then its url_private with the bot token.

The bot token goes to Slack's file host only: files.slack.com, or the host the Web API itself is served from
(the local fake Slack in tests). A redirect elsewhere is followed without the token. Slack answers a sign-in
page (HTML, 200) when the token may not read the file (no `files:read`), so an HTML answer for a file that is
not HTML is a failure, never stored evidence; so is a size other than files.info's."""

from __future__ import annotations

import logging
import time
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.error import URLError
from urllib.parse import quote, urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

SLACK_FILE_HOSTS = frozenset({"files.slack.com"})
URL_SAFE = ":/?#[]@!$&'()*+,;=%~"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class FetchFailed(Exception):
    """A file could not be fetched whole; `reason` is for the log (ids, never content)."""

    def __init__(self, file_id: str, reason: str) -> None:
        super().__init__(f"file {file_id}: {reason}")
        self.file_id = file_id
        self.reason = reason


@dataclass(frozen=True)
class Fetched:
    slack_file_id: str
    name: str
    mimetype: str
    data: bytes


class FileSource(Protocol):
    def fetch(self, file_id: str, *, max_bytes: int, deadline: float) -> Fetched:
        """The file's bytes, before `deadline` (time.monotonic()), or FetchFailed."""
        ...


class _NoTokenElsewhere(urllib.request.HTTPRedirectHandler):
    def __init__(self, allowed: frozenset[str]) -> None:
        self.allowed = allowed

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and urlsplit(newurl).hostname not in self.allowed:
            new.remove_header("Authorization")
        return new


class SlackFiles:
    """Files from Slack's Web API, with the client's token and base URL."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        api_host = urlsplit(client.base_url).hostname or ""
        self.allowed = SLACK_FILE_HOSTS | {api_host}
        self._opener = urllib.request.build_opener(_NoTokenElsewhere(self.allowed))

    def fetch(self, file_id: str, *, max_bytes: int, deadline: float) -> Fetched:
        try:
            info = self.client.files_info(file=file_id)["file"]
        except (SlackApiError, URLError, OSError) as exc:
            raise FetchFailed(file_id, f"files.info: {_kind(exc)}") from None
        # Percent-encoded as Slack sends it; a raw non-ASCII file name (a client's copy) is encoded here.
        url = quote(str(info.get("url_private_download") or info.get("url_private") or ""), safe=URL_SAFE)
        parts = urlsplit(url)
        host = parts.hostname or ""
        if host not in self.allowed or (parts.scheme != "https" and host not in LOOPBACK):
            raise FetchFailed(file_id, f"url_private on an unexpected host ({parts.scheme}://{host})")
        expected = int(info.get("size") or 0)
        if expected > max_bytes:
            raise FetchFailed(file_id, f"{expected} bytes, above the limit")
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.client.token}"})
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchFailed(file_id, "no time left")
        try:
            with self._opener.open(request, timeout=remaining) as answer:
                data = answer.read(max_bytes + 1)
                content_type = answer.headers.get("Content-Type", "")
        except (URLError, OSError, ValueError) as exc:
            raise FetchFailed(file_id, f"download: {_kind(exc)}") from None
        mimetype = str(info.get("mimetype") or "")
        if content_type.startswith("text/html") and not mimetype.startswith("text/html"):
            raise FetchFailed(file_id, "Slack answered a sign-in page (is files:read granted?)")
        if len(data) > max_bytes or (expected and len(data) != expected):
            raise FetchFailed(file_id, f"{len(data)} bytes where files.info said {expected}")
        return Fetched(slack_file_id=file_id, name=str(info.get("name") or file_id), mimetype=mimetype, data=data)


def _kind(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or "slack_error")
    code = getattr(exc, "code", None)
    return f"HTTP {code}" if code else type(exc).__name__
