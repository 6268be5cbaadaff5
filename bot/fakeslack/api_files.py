"""Files: the files_upload_v2 flow (getUploadURLExternal → POST bytes to upload_url → completeUploadExternal),
files.info, and the download of a file's url_private, which like Slack's answers a login page (HTML, 200)
unless the request carries the bot token."""

from __future__ import annotations

from typing import Any

from bot.fakeslack.ids import API_APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID
from bot.fakeslack.state import ApiError, FakeFile, FakeWorkspace

UPLOAD_PATH = "/upload/v1/"
FILES_PATH = "/files-pri/"  # url_private: /files-pri/<team>-<file id>/<name>
LOGIN_PAGE = (b"<!DOCTYPE html><html><head><title>Slack</title></head>"
              b"<body>Sign in to your workspace to see this file.</body></html>")


def get_upload_url(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    filename = str(p.get("filename") or "")
    try:
        length = int(p.get("length") or 0)
    except ValueError as exc:
        raise ApiError("invalid_arguments") from exc
    if not filename or length <= 0:
        raise ApiError("invalid_arguments", ["[ERROR] filename and a positive length are required"])
    file = FakeFile(id=ws.file_ids.next(), filename=filename, length=length)
    ws.files[file.id] = file
    # The upload URL points back at this server, so the byte upload is recorded (and faultable) too.
    return {"ok": True, "upload_url": f"{ws.base_url}{UPLOAD_PATH.lstrip('/')}{file.id}", "file_id": file.id}


def receive_upload(ws: FakeWorkspace, file_id: str, content: bytes) -> tuple[int, str]:
    """The upload URL's answer: plain text "OK - <bytes>" like files.slack.com."""
    file = ws.files.get(file_id)
    if file is None:
        return 404, "Not Found"
    file.content = content
    return 200, f"OK - {len(content)}"


def complete_upload(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    items = p.get("files")
    if not isinstance(items, list) or not items:
        raise ApiError("invalid_arguments", ["[ERROR] files must be a non-empty JSON array"])
    files: list[FakeFile] = []
    for item in items:
        file = ws.files.get(str(item.get("id")))
        if file is None or file.content is None:
            raise ApiError("file_not_found")
        file.title = str(item.get("title") or file.filename)
        files.append(file)
    targets = [c for c in [p.get("channel_id"), *str(p.get("channels") or "").split(",")] if c]
    for target in targets:
        channel = ws.resolve_channel(str(target))
        for file in files:
            file.channels.append(channel)
        message: dict[str, Any] = {
            "type": "message",
            "subtype": "file_share",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": API_APP_ID,
            "team": TEAM_ID,
            "ts": ws.ts.next(),
            "text": str(p.get("initial_comment") or ""),
            "files": [f.to_slack() for f in files],
        }
        if p.get("thread_ts"):
            message["thread_ts"] = str(p["thread_ts"])
        ws.add_message(channel, message)
    return {"ok": True, "files": [{"id": f.id, "title": f.title} for f in files]}


def legacy_upload(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    # files.upload was sunset for new apps on 2025-11-12 (SLACK_FACTS.md): catch code still using it.
    raise ApiError("method_deprecated")


def file_info(ws: FakeWorkspace, p: dict[str, Any]) -> dict[str, Any]:
    file = ws.files.get(str(p.get("file") or ""))
    if file is None:
        raise ApiError("file_not_found")
    return {"ok": True, "file": file.to_slack(), "comments": [], "response_metadata": {"next_cursor": ""}}


def download(ws: FakeWorkspace, path: str, authorised: bool) -> tuple[int, bytes, str]:
    """GET url_private: (status, body, content type)."""
    file_part = path[len(FILES_PATH):].split("/", 1)[0]
    file = ws.files.get(file_part.split("-", 1)[-1])
    if not authorised or (file is not None and file.hidden):
        return 200, LOGIN_PAGE, "text/html; charset=utf-8"
    if file is None or file.content is None:
        return 404, b"Not Found", "text/plain"
    if file.broken:
        return 500, b"Internal Server Error", "text/plain"
    return 200, file.content, file.mimetype
