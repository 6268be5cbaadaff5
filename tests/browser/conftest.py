"""Browser tests: Playwright (Python) driving Debian's Chromium headless against a real playground.

Playwright's own browser download is never used (it cannot download here): the pip package brings
only its driver, and the browser is the system's `chromium` (`.ci/run` installs it). Without either,
the tests skip locally with the reason, and FAIL under CI=true — a browser test that silently does
not run is not a passing one."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.playground.stack import Options, Playground

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "playground"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-default-apps", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"browser test cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        _unavailable("no chromium on PATH (apt-get install chromium fonts-noto-cjk)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


# The playground's simulated time starts on a Thursday afternoon in Tokyo: working hours left today and a
# whole Friday ahead, so a clock jump passes reminders, a weekend and Monday's digest; screenshots are stable.
THURSDAY_AFTERNOON = datetime(2026, 11, 26, 16, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture
def playground() -> Iterator[Playground]:
    with Playground(Options(port=0, start=THURSDAY_AFTERNOON)) as running:
        yield running


@pytest.fixture
def page(chromium: Any, playground: Playground) -> Iterator[Any]:
    """A fresh browser profile on the playground, refusing any request that leaves 127.0.0.1."""
    context = chromium.new_context(viewport={"width": 1280, "height": 860}, locale="ja-JP")
    outside: list[str] = []

    def only_local(route: Any) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1:", "data:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", only_local)
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(10_000)
    page.goto(playground.url)
    try:
        yield page
    finally:
        context.close()
    assert not outside, f"the playground tried to reach beyond 127.0.0.1: {outside}"
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def shoot(page: Any) -> Any:
    """shoot("01-faq") saves test-artifacts/playground/01-faq.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def save(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return save
