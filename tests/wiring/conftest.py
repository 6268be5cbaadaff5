"""Shared wiring-test fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.fakeslack import FakeSlackServer


@pytest.fixture
def fake_slack() -> Iterator[FakeSlackServer]:
    """Slack's Web API on 127.0.0.1 (a fresh workspace per test); point SLACK_API_URL at `fake_slack.url`."""
    with FakeSlackServer() as server:
        yield server
