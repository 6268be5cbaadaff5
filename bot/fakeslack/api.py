"""The Web API methods the fake answers, by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.fakeslack import api_assistant, api_chat, api_directory, api_files, api_functions, api_history, api_views
from bot.fakeslack.state import FakeWorkspace

MethodHandler = Callable[[FakeWorkspace, dict[str, Any]], dict[str, Any]]

METHODS: dict[str, MethodHandler] = {
    "auth.test": api_directory.auth_test,
    "apps.connections.open": api_directory.connections_open_socket,
    "chat.postMessage": api_chat.post_message,
    "chat.update": api_chat.update,
    "chat.postEphemeral": api_chat.post_ephemeral,
    "chat.delete": api_chat.delete,
    "chat.getPermalink": api_chat.get_permalink,
    "reactions.add": api_chat.add_reaction,
    "conversations.replies": api_history.replies,
    "conversations.history": api_history.history,
    "conversations.open": api_directory.conversations_open,
    "conversations.info": api_directory.conversations_info,
    "users.info": api_directory.users_info,
    "users.lookupByEmail": api_directory.users_lookup_by_email,
    "views.open": api_views.open_view,
    "views.push": api_views.push_view,
    "views.update": api_views.update_view,
    "views.publish": api_views.publish_view,
    "files.getUploadURLExternal": api_files.get_upload_url,
    "files.completeUploadExternal": api_files.complete_upload,
    "files.upload": api_files.legacy_upload,
    "files.info": api_files.file_info,
    "assistant.threads.setSuggestedPrompts": api_assistant.set_suggested_prompts,
    "assistant.threads.setStatus": api_assistant.set_status,
    "functions.completeSuccess": api_functions.complete_success,
    "functions.completeError": api_functions.complete_error,
}

# Pseudo-method names under which non-API endpoints are recorded (and can be faulted).
UPLOAD_URL = "upload_url"
RESPONSE_URL = "response_url"
FILE_DOWNLOAD = "url_private"
